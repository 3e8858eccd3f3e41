export * from './protocol/tensor';
export * from './protocol/errors';
export * from './protocol/inference-handler';
export * from './protocol/json-codec';
export * from './protocol/rest-routes';
export * from './protocol/grpc-codec';
export * from './protocol/grpc-messages';
export * from './protocol/fp16';
export * from './grpc/inference-service';
export * from './grpc/inference-grpc.server';
export * from './grpc/inference-grpc.client';
export * from './rest/inference-listener';
export * from './rest/openapi';
export * from './engine/engine-errors';
export {
  DEFAULT_BATCHER_OPTIONS,
  DynamicBatcher,
  type BatcherStats,
  type DynamicBatcherOptions,
} from './engine/dynamic-batcher';
export {
  DEFAULT_WORKER_POOL_OPTIONS,
  WorkerPool,
  type WorkerPoolOptions,
} from './engine/worker-pool';
export {
  DEFAULT_DRAIN_TIMEOUT_MS,
  ModelRunner,
  type ModelRunnerOptions,
  type ModelRunnerState,
  type ModelRunnerStats,
} from './engine/model-runner';
export type { ModelMetadata as EngineModelMetadata } from './engine/tensor-metadata';
export { LatencyWindow, type LatencyPercentiles } from './engine/latency-window';
export type { EngineSessionOptions } from './engine/worker-protocol';
export * from './grpc/auth-interceptor';
export * from './auth/node-credential';
