export * from './infra';
export * from './wait-for';
export * from './process';
export * from './private-database';
export * from './api-client';
export * from './labelled-dataset';
export * from './test-model';
export * from './simulated-telemetry';
