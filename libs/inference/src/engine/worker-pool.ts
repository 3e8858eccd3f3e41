import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Tensor } from '../protocol/tensor';
import { InferenceFailedError, ModelLoadError, ModelUnavailableError } from './engine-errors';
import type { ModelMetadata } from './tensor-metadata';
import { postable } from './transferables';
import { withDefaults } from './with-defaults';
import type { EngineSessionOptions, FromWorker, ToWorker, WorkerInit } from './worker-protocol';

export interface WorkerPoolOptions {
  /**
   * Inference threads for this model version. 1 by default: on a 2-core machine the other core
   * belongs to the thread that parses HTTP/gRPC and batches, and one worker fed whole batches
   * keeps its core busy (docs/serving-engine.md has the measurements).
   */
  workers: number;
  session: EngineSessionOptions;
  /** Each worker runs one zero-filled row before it takes traffic (replacements too). */
  warmUp: boolean;
  /**
   * The worker script. Defaults to inference-worker beside this file; tests substitute a script
   * that wraps it to inject faults.
   */
  entry?: string;
  /** Attempts to start a replacement for a worker that died before the pool gives up on it. */
  restartAttempts: number;
}

export const DEFAULT_WORKER_POOL_OPTIONS: WorkerPoolOptions = {
  workers: 1,
  session: { intraOpNumThreads: 1, graphOptimizationLevel: 'all' },
  warmUp: true,
  restartAttempts: 3,
};

interface Run {
  resolve(outputs: Tensor[]): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Run>;
}

interface Started {
  slot: Slot;
  metadata: ModelMetadata;
}

const RESTART_BACKOFF_MS = 100;

/**
 * Worker threads that each hold an onnxruntime session of one model. `run` sends a batch to the
 * least busy worker; a worker that dies fails the runs it held (never leaving them hanging) and is
 * replaced by a fresh one.
 */
export class WorkerPool {
  /** Called whenever capacity frees up: a run settled, or a replacement worker became ready. */
  onCapacity: () => void = () => {};

  private readonly slots: Slot[] = [];
  private readonly waiting: Array<{ message: ToWorker; transfer: ArrayBuffer[]; run: Run }> = [];
  private restarting = 0;
  private nextId = 0;
  private closed = false;
  private brokenBy: Error | undefined;

  private constructor(
    private readonly init: WorkerInit,
    private readonly options: WorkerPoolOptions,
    readonly metadata: ModelMetadata,
  ) {}

  /** Starts every worker; resolves once all hold a warmed-up session, rejects if any cannot. */
  static async start(
    model: Uint8Array,
    options: Partial<WorkerPoolOptions> = {},
  ): Promise<WorkerPool> {
    const resolved = withDefaults(DEFAULT_WORKER_POOL_OPTIONS, options);
    if (!Number.isInteger(resolved.workers) || resolved.workers < 1) {
      throw new RangeError(`workers must be a positive integer, not ${resolved.workers}`);
    }
    // One shared copy of the model for every worker and every replacement.
    const shared = new SharedArrayBuffer(model.byteLength);
    new Uint8Array(shared).set(model);
    const init: WorkerInit = { model: shared, session: resolved.session, warmUp: resolved.warmUp };
    const starts = Array.from({ length: resolved.workers }, () => spawn(init, resolved.entry));
    const settled = await Promise.allSettled(starts);
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) {
      await Promise.all(
        settled.map((s) =>
          s.status === 'fulfilled' ? s.value.slot.worker.terminate() : undefined,
        ),
      );
      throw new ModelLoadError(
        `the model could not be loaded: ${(failure.reason as Error).message}`,
      );
    }
    const started = settled.map((s) => (s as PromiseFulfilledResult<Started>).value);
    const pool = new WorkerPool(init, resolved, started[0].metadata);
    for (const { slot } of started) pool.adopt(slot);
    return pool;
  }

  /** Workers configured. */
  get size(): number {
    return this.options.workers;
  }

  /** Workers holding a session now (fewer than configured while a replacement starts). */
  get readyWorkers(): number {
    return this.slots.length;
  }

  /** Runs sent to workers and not yet answered. */
  get inFlight(): number {
    let n = 0;
    for (const slot of this.slots) n += slot.inFlight.size;
    return n;
  }

  /** Whether some worker has nothing to do. */
  get hasIdleWorker(): boolean {
    return this.slots.some((slot) => slot.inFlight.size === 0);
  }

  /** Runs that can start now if each worker holds at most `depth` at a time. */
  freeSlots(depth: number): number {
    let n = 0;
    for (const slot of this.slots) n += Math.max(0, depth - slot.inFlight.size);
    return n;
  }

  /** Set once the pool can run nothing more: closed, or every worker died and none could restart. */
  get failure(): Error | undefined {
    if (this.closed) return new ModelUnavailableError('the model version is closed');
    return this.brokenBy;
  }

  /**
   * Runs one batch on the least busy worker. `handOver`: the inputs' buffers move to the worker
   * (their arrays here are detached); pass it only for buffers the caller made for this run.
   */
  run(inputs: readonly Tensor[], outputs?: readonly string[], handOver = false): Promise<Tensor[]> {
    const failure = this.failure;
    if (failure) return Promise.reject(failure);
    const { tensors, transfer } = postable(inputs, handOver);
    const message: ToWorker = { kind: 'run', id: this.nextId++, inputs: tensors };
    if (outputs) message.outputs = outputs.slice();
    return new Promise<Tensor[]>((resolve, reject) => {
      const run = { resolve, reject };
      const slot = this.leastBusy();
      if (slot) this.send(slot, message, transfer, run);
      else this.waiting.push({ message, transfer, run });
    });
  }

  /** Terminates every worker; runs in flight fail with ModelUnavailableError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new ModelUnavailableError('the model version was closed during inference');
    for (const { run } of this.waiting.splice(0)) run.reject(error);
    const slots = this.slots.splice(0);
    for (const slot of slots) for (const run of slot.inFlight.values()) run.reject(error);
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private leastBusy(): Slot | undefined {
    let best: Slot | undefined;
    for (const slot of this.slots) {
      if (!best || slot.inFlight.size < best.inFlight.size) best = slot;
      if (best.inFlight.size === 0) break;
    }
    return best;
  }

  private send(slot: Slot, message: ToWorker, transfer: ArrayBuffer[], run: Run): void {
    slot.inFlight.set(message.id, run);
    try {
      slot.worker.postMessage(message, transfer);
    } catch (error) {
      // Data postMessage cannot carry (a validated request never has any): fail this run only.
      slot.inFlight.delete(message.id);
      run.reject(
        new InferenceFailedError(
          `the request could not reach a worker: ${(error as Error).message}`,
        ),
      );
      // Not from inside the caller's own dispatch loop.
      queueMicrotask(() => this.onCapacity());
    }
  }

  private adopt(slot: Slot): void {
    const { worker, inFlight } = slot;
    worker.on('message', (message: FromWorker) => {
      if (message.kind !== 'result' && message.kind !== 'error') return;
      const run = inFlight.get(message.id);
      if (!run) return;
      inFlight.delete(message.id);
      if (message.kind === 'result') run.resolve(message.outputs);
      else run.reject(new InferenceFailedError(`inference failed: ${message.message}`));
      this.onCapacity();
    });
    // An uncaught exception is followed by 'exit'; without a listener it would crash this thread.
    worker.on('error', () => {});
    worker.once('exit', (code) => {
      if (this.closed) return;
      this.slots.splice(this.slots.indexOf(slot), 1);
      const error = new InferenceFailedError(
        `the inference worker exited (code ${code}) while running this request`,
      );
      for (const run of inFlight.values()) run.reject(error);
      inFlight.clear();
      void this.replace();
    });
    this.slots.push(slot);
    this.flushWaiting();
  }

  private async replace(): Promise<void> {
    this.restarting++;
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const { slot } = await spawn(this.init, this.options.entry);
          if (this.closed) {
            await slot.worker.terminate();
            return;
          }
          this.adopt(slot);
          this.onCapacity();
          return;
        } catch (error) {
          if (this.closed) return;
          if (attempt >= this.options.restartAttempts) {
            if (this.slots.length === 0 && this.restarting === 1) {
              this.brokenBy = new InferenceFailedError(
                `no inference worker could be restarted: ${(error as Error).message}`,
              );
            }
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, RESTART_BACKOFF_MS * 2 ** attempt));
        }
      }
    } finally {
      this.restarting--;
      if (this.brokenBy) {
        for (const { run } of this.waiting.splice(0)) run.reject(this.brokenBy);
        this.onCapacity();
      }
    }
  }

  private flushWaiting(): void {
    while (this.waiting.length > 0 && this.slots.length > 0) {
      const { message, transfer, run } = this.waiting.shift()!;
      this.send(this.leastBusy()!, message, transfer, run);
    }
  }
}

/** Starts one worker and waits until its session is ready (or it fails to start). */
function spawn(init: WorkerInit, entry?: string): Promise<Started> {
  // Compiled (dist/) the worker is JavaScript; run from TypeScript it loads through the SWC hook.
  const script = entry ?? join(__dirname, `inference-worker${extname(__filename)}`);
  const worker = new Worker(script, {
    workerData: init,
    execArgv: extname(script) === '.ts' ? ['-r', '@swc-node/register'] : [],
  });
  return new Promise<Started>((resolve, reject) => {
    const onExit = (code: number) =>
      reject(new Error(`the inference worker exited (code ${code}) while starting`));
    const onError = (error: Error) => reject(error);
    worker.once('exit', onExit);
    worker.once('error', onError);
    worker.once('message', (message: FromWorker) => {
      worker.off('exit', onExit);
      worker.off('error', onError);
      if (message.kind === 'ready') {
        resolve({
          slot: { worker, inFlight: new Map() },
          metadata: { inputs: message.inputs, outputs: message.outputs },
        });
      } else {
        void worker.terminate();
        reject(new Error(message.kind === 'start-failed' ? message.message : 'unexpected message'));
      }
    });
  });
}
