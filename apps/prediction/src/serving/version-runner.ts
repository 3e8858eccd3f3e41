import {
  DeadlineExceededError,
  InferenceError,
  InvalidInferenceRequestError,
  ModelUnavailableError,
  QueueFullError,
  type Tensor,
} from '@keelson/inference';
import { ModelRunner } from '@keelson/inference/engine';
import type { PredictionConfig } from '../config';
import { nodeMetrics } from '../telemetry/node-metrics';
import type { TensorSpec, VersionRunner } from './model-store';

/** The engine's refusals as the protocol's answers (429, 504, 503, 400; anything else 500). */
function asProtocolError(error: unknown): unknown {
  if (error instanceof InferenceError) return error;
  const message = (error as Error).message;
  if (error instanceof QueueFullError) return new InferenceError('RESOURCE_EXHAUSTED', message);
  if (error instanceof DeadlineExceededError)
    return new InferenceError('DEADLINE_EXCEEDED', message);
  if (error instanceof ModelUnavailableError) return new InferenceError('UNAVAILABLE', message);
  if (error instanceof InvalidInferenceRequestError)
    return new InferenceError('INVALID_ARGUMENT', message);
  return new InferenceError('INTERNAL', `inference failed: ${message}`);
}

/** Loads a version on worker threads behind a dynamic batcher; resolves once it is warm. */
export async function loadVersionRunner(
  bytes: Uint8Array,
  model: string,
  version: number,
  batching: PredictionConfig['batching'],
): Promise<VersionRunner> {
  const runner = await ModelRunner.load(bytes, {
    pool: { workers: batching.workers },
    batching: {
      maxBatchSize: batching.maxBatchSize,
      maxQueueDelayUs: batching.maxQueueDelayUs,
      maxQueueSize: batching.maxQueueSize,
      maxBatchesPerWorker: batching.batchesPerWorker,
      onBatch: (requests, rows) => nodeMetrics.batch(model, version, requests, rows),
    },
  });
  return {
    infer: (inputs: Tensor[], outputs?: string[], deadline?: number) =>
      runner.infer(inputs, outputs, deadline).catch((error: unknown) => {
        throw asProtocolError(error);
      }),
    drain: () => runner.drain().finally(() => nodeMetrics.forget(model, version)),
    load: () => {
      const stats = runner.stats();
      return {
        inFlight: stats.inFlight,
        queueDepth: stats.queued,
        queueCapacity: batching.maxQueueSize,
      };
    },
    metadata: () => runner.metadata as { inputs: TensorSpec[]; outputs: TensorSpec[] },
  };
}
