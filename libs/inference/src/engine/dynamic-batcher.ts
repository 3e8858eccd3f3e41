import { performance } from 'node:perf_hooks';
import type { Tensor } from '../protocol/tensor';
import { DeadlineExceededError, InferenceFailedError, QueueFullError } from './engine-errors';
import {
  checkBatcherOptions,
  DEFAULT_BATCHER_OPTIONS,
  type BatcherStats,
  type DynamicBatcherOptions,
} from './batcher-options';
import { LatencyWindow } from './latency-window';

// The options live beside their defaults; re-exported here, where readers look for them first.
export { DEFAULT_BATCHER_OPTIONS, type BatcherStats, type DynamicBatcherOptions };
import { batchKey, concatRequests, rowsOf, splitOutputs } from './tensor-batch';
import type { WorkerPool } from './worker-pool';

interface Request {
  inputs: readonly Tensor[];
  outputs: readonly string[] | undefined;
  /** Requests that share a key can share a batch; undefined runs alone. */
  key: string | undefined;
  rows: number;
  /** Date.now() milliseconds. */
  deadline: number | undefined;
  /** performance.now() milliseconds. */
  enqueuedAt: number;
  resolve(outputs: Tensor[]): void;
  reject(error: Error): void;
}

/** The part of the pool the batcher drives (a plain interface keeps the batcher testable alone). */
export type BatchExecutor = Pick<
  WorkerPool,
  'run' | 'freeSlots' | 'hasIdleWorker' | 'failure' | 'onCapacity'
>;

/**
 * Per model version, in the spirit of Triton's dynamic batcher: queues requests, joins compatible
 * ones (same inputs, datatypes and non-batch dimensions) into one run along dimension 0, and
 * splits the outputs back. The queue is bounded; requests carry optional deadlines.
 */
export class DynamicBatcher {
  private queue: Request[] = [];
  private inFlight = 0;
  private batches = 0;
  private batchedRequests = 0;
  private batchedRows = 0;
  private completed = 0;
  private readonly rejected = { queueFull: 0, deadlineExceeded: 0, failed: 0 };
  private readonly latency: LatencyWindow;
  private pumpScheduled = false;
  private delayTimer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineTimerAt = Infinity;
  private idleWaiters: Array<() => void> = [];
  private closedBy: Error | undefined;

  constructor(
    private readonly executor: BatchExecutor,
    readonly options: DynamicBatcherOptions = DEFAULT_BATCHER_OPTIONS,
  ) {
    checkBatcherOptions(options);
    this.latency = new LatencyWindow(options.latencyWindowSize, options.latencyWindowMs);
    executor.onCapacity = () => this.pump();
  }

  /**
   * Queues one request. Rejects at once with QueueFullError when the queue is full, and with
   * DeadlineExceededError if `deadline` (Date.now() milliseconds) passes before it is dispatched.
   */
  submit(
    inputs: readonly Tensor[],
    outputs?: readonly string[],
    deadline?: number,
  ): Promise<Tensor[]> {
    if (this.closedBy) return Promise.reject(this.closedBy);
    if (this.queue.length >= this.options.maxQueueSize) {
      this.rejected.queueFull++;
      return Promise.reject(new QueueFullError(this.options.maxQueueSize));
    }
    if (deadline !== undefined && deadline <= Date.now()) {
      this.rejected.deadlineExceeded++;
      return Promise.reject(new DeadlineExceededError(deadline));
    }
    const rows = rowsOf(inputs);
    const batchable =
      rows !== undefined && this.options.maxBatchSize > 0 && rows <= this.options.maxBatchSize;
    return new Promise<Tensor[]>((resolve, reject) => {
      this.queue.push({
        inputs,
        outputs,
        key: batchable ? batchKey(inputs, outputs) : undefined,
        rows: rows ?? 0,
        deadline,
        enqueuedAt: performance.now(),
        resolve,
        reject,
      });
      if (deadline !== undefined) this.watchDeadline(deadline);
      // Pumping after the current burst of microtasks lets requests submitted together (clients
      // resuming on the same batch's answers) leave together instead of one alone then the rest.
      if (!this.pumpScheduled) {
        this.pumpScheduled = true;
        queueMicrotask(() => {
          this.pumpScheduled = false;
          this.pump();
        });
      }
    });
  }

  stats(): BatcherStats {
    return {
      queued: this.queue.length,
      inFlight: this.inFlight,
      batches: this.batches,
      completed: this.completed,
      averageBatchRequests: this.batches ? this.batchedRequests / this.batches : 0,
      averageBatchRows: this.batches ? this.batchedRows / this.batches : 0,
      rejected: { ...this.rejected },
      latencyMs: this.latency.percentiles(performance.now()),
    };
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Refuses new requests and fails every queued one with `error`; running ones finish. */
  close(error: Error): void {
    this.closedBy ??= error;
    this.clearTimers();
    this.failQueued(error);
  }

  /** Sends every batch that is due to a worker with room for it. */
  private pump(): void {
    const failure = this.executor.failure;
    if (failure) {
      this.failQueued(failure);
      return;
    }
    this.clearDelayTimer();
    const { maxBatchesPerWorker, maxQueueDelayUs, idleDispatch } = this.options;
    while (this.queue.length > 0 && this.executor.freeSlots(maxBatchesPerWorker) > 0) {
      const now = performance.now();
      const { batch, full } = this.formBatch();
      if (batch.length === 0) continue; // only expired requests were at the head
      const waitedUs = (now - batch[0].enqueuedAt) * 1000;
      const due =
        full ||
        batch[0].key === undefined ||
        waitedUs >= maxQueueDelayUs ||
        (idleDispatch === 'immediate' && this.executor.hasIdleWorker);
      if (!due) {
        this.armDelayTimer(maxQueueDelayUs - waitedUs);
        break;
      }
      const taken = new Set(batch);
      this.queue = this.queue.filter((r) => !taken.has(r));
      this.dispatch(batch);
    }
    this.notifyIfIdle();
  }

  /**
   * The head request and the compatible ones after it, up to maxBatchSize rows; `full` when the
   * next compatible request would not fit. Expired requests met on the way are failed and dropped.
   */
  private formBatch(): { batch: Request[]; full: boolean } {
    const wallNow = Date.now();
    const expired = (r: Request) => r.deadline !== undefined && r.deadline <= wallNow;
    while (this.queue.length > 0 && expired(this.queue[0])) this.expire(this.queue.shift()!);
    if (this.queue.length === 0) return { batch: [], full: false };
    const head = this.queue[0];
    if (head.key === undefined) return { batch: [head], full: true };
    const batch = [head];
    let rows = head.rows;
    let full = rows >= this.options.maxBatchSize;
    for (let i = 1; i < this.queue.length && !full; i++) {
      const r = this.queue[i];
      if (r.key !== head.key || expired(r)) continue;
      if (rows + r.rows > this.options.maxBatchSize) full = true;
      else {
        batch.push(r);
        rows += r.rows;
        full = rows >= this.options.maxBatchSize;
      }
    }
    return { batch, full };
  }

  private dispatch(batch: Request[]): void {
    this.inFlight += batch.length;
    this.batches++;
    this.batchedRequests += batch.length;
    let rows = 0;
    for (const r of batch) rows += r.rows;
    this.batchedRows += rows;
    this.options.onBatch?.(batch.length, rows);
    // A lone request's arrays are the caller's: cloned, not moved. A concatenation is ours to move.
    const inputs = concatRequests(batch.map((r) => r.inputs));
    this.executor.run(inputs, batch[0].outputs, batch.length > 1).then(
      (outputs) => {
        let parts: Tensor[][];
        try {
          parts = splitOutputs(
            outputs,
            batch.map((r) => r.rows),
          );
        } catch (error) {
          this.settleFailed(batch, new InferenceFailedError((error as Error).message));
          return;
        }
        const now = performance.now();
        this.inFlight -= batch.length;
        this.completed += batch.length;
        for (let i = 0; i < batch.length; i++) {
          this.latency.record(now - batch[i].enqueuedAt, now);
          batch[i].resolve(parts[i]);
        }
        this.notifyIfIdle();
      },
      (error: Error) => this.settleFailed(batch, error),
    );
  }

  private settleFailed(batch: Request[], error: Error): void {
    this.inFlight -= batch.length;
    this.rejected.failed += batch.length;
    for (const r of batch) r.reject(error);
    this.notifyIfIdle();
  }

  private expire(request: Request): void {
    this.rejected.deadlineExceeded++;
    request.reject(new DeadlineExceededError(request.deadline!));
  }

  private failQueued(error: Error): void {
    const queued = this.queue;
    this.queue = [];
    this.rejected.failed += queued.length;
    for (const r of queued) r.reject(error);
    this.notifyIfIdle();
  }

  private notifyIfIdle(): void {
    if (this.queue.length > 0 || this.inFlight > 0 || this.idleWaiters.length === 0) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  /**
   * setTimeout cannot wait less than a millisecond, so the sub-millisecond remainder of a delay is
   * waited out in event loop turns (setImmediate), which only spin while a batch is forming.
   */
  private armDelayTimer(remainingUs: number): void {
    this.delayTimer =
      remainingUs >= 1000
        ? setTimeout(() => this.pump(), Math.floor(remainingUs / 1000))
        : setImmediate(() => this.pump());
  }

  private clearDelayTimer(): void {
    if (this.delayTimer === undefined) return;
    clearTimeout(this.delayTimer as NodeJS.Timeout);
    clearImmediate(this.delayTimer as NodeJS.Immediate);
    this.delayTimer = undefined;
  }

  /**
   * One timer for the earliest deadline in the queue: a request that expires while waiting is
   * answered then, not when a worker would have reached it.
   */
  private watchDeadline(deadline: number): void {
    if (deadline >= this.deadlineTimerAt) return;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimerAt = deadline;
    this.deadlineTimer = setTimeout(() => this.sweepExpired(), Math.max(0, deadline - Date.now()));
  }

  private sweepExpired(): void {
    this.deadlineTimer = undefined;
    this.deadlineTimerAt = Infinity;
    const now = Date.now();
    const kept: Request[] = [];
    for (const r of this.queue) {
      if (r.deadline !== undefined && r.deadline <= now) this.expire(r);
      else kept.push(r);
    }
    this.queue = kept;
    let next = Infinity;
    for (const r of kept) if (r.deadline !== undefined && r.deadline < next) next = r.deadline;
    if (next < Infinity) this.watchDeadline(next);
    this.notifyIfIdle();
  }

  private clearTimers(): void {
    this.clearDelayTimer();
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.deadlineTimerAt = Infinity;
  }
}
