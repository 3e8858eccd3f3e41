/** The inference engine: ONNX sessions in worker threads behind a dynamic batcher. */
export {
  DEFAULT_BATCHER_OPTIONS,
  DynamicBatcher,
  type BatcherStats,
  type DynamicBatcherOptions,
} from './dynamic-batcher';
export { DEFAULT_WORKER_POOL_OPTIONS, WorkerPool, type WorkerPoolOptions } from './worker-pool';
export {
  DEFAULT_DRAIN_TIMEOUT_MS,
  ModelRunner,
  type ModelRunnerOptions,
  type ModelRunnerState,
  type ModelRunnerStats,
} from './model-runner';
export type { ModelMetadata as EngineModelMetadata } from './tensor-metadata';
export type { EngineSessionOptions } from './worker-protocol';
