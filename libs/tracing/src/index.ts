export * from './bootstrap';
export * from './logger';
export * from './nats-propagation';
export * from './work-spans';
