export * from './health-settings';
export * from './node-figures';
export * from './node-tracker';
export * from './peer-values';
export * from './pool-health';
export * from './robust';
export * from './signals';
