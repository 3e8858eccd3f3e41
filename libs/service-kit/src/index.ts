export * from './api-error';
export * from './body';
export * from './connection-errors';
export * from './database-health.service';
export * from './error.filter';
export * from './health.controller';
export * from './service-bootstrap';
export * from './metrics';
