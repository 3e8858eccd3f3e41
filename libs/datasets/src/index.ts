export * from './compatibility';
export * from './record-validator';
export * from './schema-rules';
