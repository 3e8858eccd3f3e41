// The demo's synthetic credit data (a known logistic model with missing values), shared by the
// demo, the benchmarks, the model-quality checks and the end-to-end tests.
export * from './credit-generator';
export { createRandom, mulberry32, type Random } from './prng';
