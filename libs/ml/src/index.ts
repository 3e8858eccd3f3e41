export * from './transform/apply-transform';
export * from './transform/feature-stats';
export * from './transform/transform-spec';
export * from './nn/network';
