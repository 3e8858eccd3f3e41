import type { Tensor } from '../protocol/tensor';
import {
  checkBatcherOptions,
  DEFAULT_BATCHER_OPTIONS,
  type BatcherStats,
  type DynamicBatcherOptions,
} from './batcher-options';
import { DynamicBatcher } from './dynamic-batcher';
import { ModelLoadError, ModelUnavailableError } from './engine-errors';
import { validateRequest } from './request-validation';
import { supportsBatching, warmUpInputs, type ModelMetadata } from './tensor-metadata';
import { WorkerPool, type WorkerPoolOptions } from './worker-pool';
import { withDefaults } from './with-defaults';

export interface ModelRunnerOptions {
  pool?: Partial<WorkerPoolOptions>;
  batching?: Partial<DynamicBatcherOptions>;
}

export type ModelRunnerState = 'ready' | 'draining' | 'closed';

export interface ModelRunnerStats extends BatcherStats {
  state: ModelRunnerState;
  /** Workers holding a session now, of those configured. */
  workers: { ready: number; configured: number };
  /** Whether requests are joined into batches (the model has a variable first dimension). */
  batching: boolean;
}

/** How long drain() waits for queued and running requests before failing the rest. */
export const DEFAULT_DRAIN_TIMEOUT_MS = 30_000;

/**
 * One loaded model version: its worker pool and dynamic batcher. A hot swap is the caller's to
 * orchestrate: load the new version (ready once warmed up), switch traffic to it, then drain() the
 * old one, which answers everything it had accepted before it closes.
 */
export class ModelRunner {
  private currentState: ModelRunnerState = 'ready';
  private drained: Promise<void> | undefined;

  private constructor(
    private readonly pool: WorkerPool,
    private readonly batcher: DynamicBatcher,
    readonly metadata: ModelMetadata,
    readonly batching: boolean,
  ) {}

  /**
   * Starts the workers, then sends one zero-filled row through the whole path (batcher, thread hop,
   * session) and only then resolves: a runner that exists is ready. Rejects with ModelLoadError if
   * the model cannot be loaded or its warm-up fails.
   */
  static async load(model: Uint8Array, options: ModelRunnerOptions = {}): Promise<ModelRunner> {
    const batcherOptions = withDefaults(DEFAULT_BATCHER_OPTIONS, options.batching);
    checkBatcherOptions(batcherOptions);
    const pool = await WorkerPool.start(model, options.pool);
    const batching = supportsBatching(pool.metadata);
    if (!batching) batcherOptions.maxBatchSize = 0;
    const runner = new ModelRunner(
      pool,
      new DynamicBatcher(pool, batcherOptions),
      pool.metadata,
      batching,
    );
    try {
      await runner.infer(warmUpInputs(pool.metadata.inputs));
    } catch (error) {
      await runner.close();
      throw new ModelLoadError(
        `the model failed its warm-up inference: ${(error as Error).message}`,
      );
    }
    return runner;
  }

  get state(): ModelRunnerState {
    return this.currentState;
  }

  /**
   * Runs one request: its outputs (all of the model's, in the model's order, unless `outputs` names
   * some), or a rejection with one of the engine errors. `deadline` is a Date.now() time by which
   * the request must have reached a worker.
   */
  infer(
    inputs: readonly Tensor[],
    outputs?: readonly string[],
    deadline?: number,
  ): Promise<Tensor[]> {
    if (this.currentState !== 'ready') {
      return Promise.reject(new ModelUnavailableError(`the model version is ${this.currentState}`));
    }
    try {
      validateRequest(this.metadata, inputs, outputs);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.batcher.submit(inputs, outputs, deadline);
  }

  stats(): ModelRunnerStats {
    return {
      ...this.batcher.stats(),
      state: this.currentState,
      workers: { ready: this.pool.readyWorkers, configured: this.pool.size },
      batching: this.batching,
    };
  }

  /**
   * Stops taking requests, waits for those queued and running (up to `timeoutMs`, after which the
   * rest fail with ModelUnavailableError), then closes the workers. Safe to call more than once and
   * alongside close(): every caller waits for the same end.
   */
  drain(timeoutMs = DEFAULT_DRAIN_TIMEOUT_MS): Promise<void> {
    if (this.drained) return this.drained;
    if (this.currentState === 'ready') this.currentState = 'draining';
    this.drained = (async () => {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      });
      await Promise.race([this.batcher.whenIdle(), timedOut]);
      clearTimeout(timer);
      this.batcher.close(new ModelUnavailableError('the model version was drained'));
      await this.pool.close();
      this.currentState = 'closed';
    })();
    return this.drained;
  }

  /** Closes at once: queued requests fail with ModelUnavailableError, running ones too. */
  close(): Promise<void> {
    if (this.currentState === 'closed') return this.drained ?? Promise.resolve();
    this.currentState = 'closed';
    this.batcher.close(new ModelUnavailableError('the model version was closed'));
    const closing = this.pool.close();
    this.drained ??= closing;
    return closing;
  }
}
