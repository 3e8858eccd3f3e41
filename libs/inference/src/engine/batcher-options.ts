import type { LatencyPercentiles } from './latency-window';

/** The dynamic batcher's knobs, after Triton's dynamic_batching settings. */
export interface DynamicBatcherOptions {
  /** Most rows (dimension 0) in one batch; 0 turns batching off. A larger request runs alone. */
  maxBatchSize: number;
  /**
   * Microseconds the oldest queued request may wait for companions before its batch is sent
   * anyway. With `idleDispatch: 'immediate'` it only applies while every worker is busy.
   */
  maxQueueDelayUs: number;
  /**
   * Most requests waiting for a worker (not counting those already running). Counted in requests,
   * as Triton's max_queue_size is: a client sees a request refused, not rows. Past it, submit()
   * rejects at once with QueueFullError.
   */
  maxQueueSize: number;
  /**
   * Batches one worker holds at a time. 2 lets the next batch cross the thread hop while the
   * current one runs, so the worker never waits for the main thread.
   */
  maxBatchesPerWorker: number;
  /**
   * 'immediate': an idle worker takes what is queued at once, so a lone request never waits
   * (latency at low load); batches still form whenever workers are busy. 'delay': Triton's rule,
   * a batch leaves only when full or after maxQueueDelayUs, even with a worker idle.
   */
  idleDispatch: 'immediate' | 'delay';
  /**
   * Told the size of every batch as it leaves for a worker (a node's batch-size histogram). Kept
   * out of the hot path's allocations: two numbers, no object.
   */
  onBatch?: (requests: number, rows: number) => void;
  /** Latency percentiles cover at most this many recent requests... */
  latencyWindowSize: number;
  /** ...none older than this. */
  latencyWindowMs: number;
}

/** Chosen by libs/inference/test/engine-bench.ts; docs/serving-engine.md has the figures. */
export const DEFAULT_BATCHER_OPTIONS: DynamicBatcherOptions = {
  maxBatchSize: 64,
  maxQueueDelayUs: 100,
  maxQueueSize: 2048,
  maxBatchesPerWorker: 2,
  idleDispatch: 'immediate',
  latencyWindowSize: 4096,
  latencyWindowMs: 60_000,
};

/** Throws a RangeError naming the first option out of range. */
export function checkBatcherOptions(options: DynamicBatcherOptions): void {
  const { maxBatchSize, maxQueueDelayUs, maxQueueSize, maxBatchesPerWorker } = options;
  for (const [name, value] of Object.entries({ maxBatchSize, maxQueueSize, maxQueueDelayUs })) {
    if (!(Number.isInteger(value) && value >= 0)) {
      throw new RangeError(`${name} must be a non-negative integer, not ${value}`);
    }
  }
  if (!(Number.isInteger(maxBatchesPerWorker) && maxBatchesPerWorker >= 1)) {
    throw new RangeError(
      `maxBatchesPerWorker must be a positive integer, not ${maxBatchesPerWorker}`,
    );
  }
}

export interface BatcherStats {
  /** Requests waiting for a worker. */
  queued: number;
  /** Requests sent to workers and not yet answered. */
  inFlight: number;
  batches: number;
  /** Requests answered with outputs. */
  completed: number;
  /** Mean requests per batch, and rows per batch. */
  averageBatchRequests: number;
  averageBatchRows: number;
  rejected: { queueFull: number; deadlineExceeded: number; failed: number };
  /** End-to-end latency (queue + inference), milliseconds, over the recent window. */
  latencyMs: LatencyPercentiles;
}
