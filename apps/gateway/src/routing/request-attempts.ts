import type { AttemptOutcome } from '../pool/node-attempts';
import type { InFlightAttempt, NodePool, PoolNode, Target } from '../pool/node-pool';
import type { CallLimits } from '../transport/node-transport';
import { CallCancelled, NodeUnreachable } from '../transport/node-transport';
import { gatewayMetrics, type ExtraAttemptKind } from '../telemetry/gateway-metrics';
import { InferenceError } from '@keelson/inference';
import { Cancellation } from './cancellation';
import { clientError, judge, Overloaded } from './failures';
import type { HedgeDelay } from './hedge-delay';
import type { RetryBudget } from './retry-budget';

export interface DispatchEvents {
  /**
   * Another attempt went out: after a failure (`retry`), a slow first one (`hedge`), or because
   * the circuit of the node it waited on opened (`rescue`).
   */
  extraAttempt(kind: ExtraAttemptKind): void;
  budgetExhausted(): void;
  circuitOpened(node: PoolNode): void;
}

/** What every request of one dispatcher shares. */
export interface AttemptContext {
  pool: NodePool;
  budget: RetryBudget;
  /** Longest one attempt may take. */
  attemptMs: number;
  hedgeDelay: HedgeDelay;
}

/** Not worth starting an attempt with less time than this left. */
const MIN_ATTEMPT_MS = 5;
/**
 * A hedge race's loser gets this many hedge delays from its own start to answer anyway, and at
 * least SLOW_LOSS_MIN_MS, before it is cancelled as a slow loss. The delay is the pool's p95, so
 * a healthy node answers well within it. The floor is for the pauses a healthy node has: a GC, or
 * time without a CPU on a crowded host. On the shared 2-vCPU test VM nodes went silent for over
 * 90 ms often enough that a 50 ms floor opened a healthy node's circuit during a fault
 * (docs/gateway.md); hedges hide such pauses from clients anyway, so only a node silent for half
 * a second counts. A hung node's circuit then opens within about a second, and meanwhile its
 * losers, still outstanding, keep power of two choices away from it.
 */
export const SLOW_LOSS_FACTOR = 8;
export const SLOW_LOSS_MIN_MS = 500;

/** One call to one node, for as long as the request may still want its answer. */
class Attempt implements InFlightAttempt {
  readonly started = performance.now();
  /** The node's answer count when sent: a slow loss counts only if it has not moved since. */
  readonly answeredWhenSent: number;
  /** The node's outstanding attempts when this one was sent, itself included. */
  outstandingWhenSent = 0;
  /** Made only when hedging is on: only then can a call lose a race and need cancelling. */
  readonly controller?: Cancellation;
  graceTimer?: NodeJS.Timeout;

  constructor(
    readonly node: PoolNode,
    cancellable: boolean,
    private readonly onCircuitOpened: (attempt: Attempt) => void,
  ) {
    this.answeredWhenSent = node.breaker.answered;
    if (cancellable) this.controller = new Cancellation();
  }

  circuitOpened(): void {
    this.onCircuitOpened(this);
  }
}

/**
 * The attempts of one request: the first, to the node power of two choices picks; at most one
 * extra, on another node, after a failure another node may not share (a retry, see failures.ts)
 * or when the first is still unanswered after the hedge delay (a hedge); and at most one rescue,
 * when the circuit of the node its only running attempt waits on opens. Retries and hedges come
 * out of the retry budget; rescues do not, since each one replaces a call that is cancelled, and
 * they happen only as a circuit opens. The first answer wins.
 *
 * The loser of a hedge race is not cancelled at once: it has until SLOW_LOSS_FACTOR hedge delays
 * from its start to answer. If it does, that answer tells the node's circuit the node works (and
 * feeds the pool's latency window). If not, it is cancelled and counted as a slow loss against
 * its node (circuit-breaker.ts), so a hung node, whose calls hedges answer before any times out,
 * still leaves rotation within a few requests. While the loser waits it also counts as outstanding
 * on its node, which steers power of two choices away from a node that does not answer.
 */
export class RequestAttempts<T> {
  private readonly tried = new Set<string>();
  private readonly running = new Set<Attempt>();
  private readonly hedgeAfterMs: number | undefined;
  private extraSent = false;
  private rescued = false;
  private settled = false;
  private hedgeTimer?: NodeJS.Timeout;

  constructor(
    private readonly context: AttemptContext,
    private readonly target: Target,
    private readonly deadlineMs: number,
    private readonly call: (node: PoolNode, limits: CallLimits) => Promise<T>,
    private readonly events: DispatchEvents,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.hedgeAfterMs = context.hedgeDelay.current();
  }

  start(): void {
    const first = this.context.pool.pick(this.target);
    if (!first) {
      // The caller checked that some node serves it: every such node is at its limit, or at
      // worst a node left in between.
      this.settle(
        this.context.pool.canServe(this.target, true)
          ? new Overloaded()
          : new Error('no node serves the target'),
      );
      return;
    }
    this.send(first);
    if (this.hedgeAfterMs === undefined || this.settled) return;
    this.hedgeTimer = setTimeout(() => {
      if (!this.settled && this.running.size > 0) this.extra('hedge');
    }, this.hedgeAfterMs);
    this.hedgeTimer.unref();
  }

  private send(node: PoolNode): void {
    this.tried.add(node.id);
    const attempt = new Attempt(node, this.hedgeAfterMs !== undefined, (a) =>
      this.circuitOpened(a),
    );
    this.running.add(attempt);
    node.inFlight.add(attempt);
    attempt.outstandingWhenSent = node.inFlight.size;
    const limits: CallLimits = {
      deadlineMs: Math.min(this.deadlineMs, Date.now() + this.context.attemptMs),
      ...(attempt.controller && { signal: attempt.controller }),
    };
    this.call(node, limits).then(
      (value) => this.answered(attempt, value),
      (error: unknown) => this.failed(attempt, error),
    );
  }

  /** The attempt no longer counts as running or outstanding. False when it already did not. */
  private finish(attempt: Attempt): boolean {
    clearTimeout(attempt.graceTimer);
    attempt.node.inFlight.delete(attempt);
    return this.running.delete(attempt);
  }

  private cancel(attempt: Attempt): void {
    this.finish(attempt);
    attempt.controller?.abort(); // without a controller, the call runs to its deadline, unheard
  }

  private answered(attempt: Attempt, value: T): void {
    this.finish(attempt);
    attempt.node.breaker.success();
    const ms = this.observe(attempt, 'ok');
    attempt.node.limit?.observe({ ms }, performance.now(), attempt.outstandingWhenSent);
    this.context.hedgeDelay.record(ms);
    this.settle(undefined, value); // a no-op for a loser that answered in its grace
  }

  private failed(attempt: Attempt, error: unknown): void {
    const live = this.finish(attempt);
    if (error instanceof CallCancelled) return; // whoever cancelled it has accounted for it
    const verdict = judge(error);
    const outcome = attemptOutcome(error, verdict.nodeFault);
    this.observe(attempt, outcome);
    const { node } = attempt;
    // The node refused it for its full queue, or did not answer in time: a sign of overload.
    if (
      outcome === 'timeout' ||
      (error instanceof InferenceError && error.code === 'RESOURCE_EXHAUSTED')
    )
      node.limit?.observe('dropped', performance.now(), attempt.outstandingWhenSent);
    if (!verdict.nodeFault) node.breaker.success();
    else if (node.breaker.failure()) this.events.circuitOpened(node);
    if (this.settled || !live) return; // a loser, or an attempt a rescue replaced
    if (verdict.retry && this.extra('retry')) return;
    if (this.running.size === 0) this.settle(error);
  }

  /** Sends the one retry or hedge a request may have, if a node, time and budget allow. */
  private extra(kind: 'retry' | 'hedge'): boolean {
    if (this.extraSent || this.deadlineMs - Date.now() < MIN_ATTEMPT_MS) return false;
    const node = this.context.pool.pick(this.target, this.tried);
    if (!node) return false;
    if (!this.context.budget.tryRetry()) {
      this.events.budgetExhausted();
      return false;
    }
    this.extraSent = true;
    this.events.extraAttempt(kind);
    this.send(node);
    return true;
  }

  /**
   * The circuit of the attempt's node opened while it waited. A loser in its grace, or an attempt
   * another node is also working on, is cancelled (nothing more to learn or wait for); the
   * request's only running attempt is re-sent to another node at once, once per request: a hung
   * node would otherwise hold it until the attempt timeout.
   */
  private circuitOpened(attempt: Attempt): void {
    if (!this.running.has(attempt)) return;
    if (this.settled || this.running.size > 1) return this.cancel(attempt);
    if (this.rescued || this.deadlineMs - Date.now() < MIN_ATTEMPT_MS) return;
    const node = this.context.pool.pick(this.target, this.tried);
    if (!node) return; // nowhere better to wait
    this.rescued = true;
    this.cancel(attempt);
    this.events.extraAttempt('rescue');
    this.send(node);
  }

  private settle(error: unknown, value?: T): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.hedgeTimer);
    for (const loser of [...this.running]) this.giveGrace(loser);
    if (error === undefined) this.resolve(value as T);
    else this.reject(clientError(error, this.tried.size, this.deadlineMs));
  }

  /** A hedge race's loser: it may still answer within its grace, or it counts as a slow loss. */
  private giveGrace(loser: Attempt): void {
    // Without hedging there are no races: this is a rescued request whose abandoned first call
    // answered after all. Its replacement is let go, and nothing is counted against its node.
    if (!loser.controller) return void this.finish(loser);
    const graceMs = Math.max(SLOW_LOSS_FACTOR * (this.hedgeAfterMs ?? 0), SLOW_LOSS_MIN_MS);
    const left = loser.started + graceMs - performance.now();
    if (left <= 0) return this.slowLoss(loser);
    loser.graceTimer = setTimeout(() => this.slowLoss(loser), left);
    loser.graceTimer.unref();
  }

  private slowLoss(loser: Attempt): void {
    if (!this.running.has(loser)) return;
    this.cancel(loser);
    const { node } = loser;
    const verdict = node.breaker.slowLoss(loser.answeredWhenSent);
    if (verdict === 'ignored') return; // the node answered others meanwhile: slow, not hung
    this.observe(loser, 'slow_loss');
    if (verdict === 'opened') this.events.circuitOpened(node);
  }

  /** Records the attempt's outcome for its node; returns how long it took. */
  private observe(attempt: Attempt, outcome: AttemptOutcome): number {
    const now = performance.now();
    const ms = now - attempt.started;
    attempt.node.attempts.record(outcome, ms, now);
    gatewayMetrics.nodeAttempt(attempt.node.id, outcome, ms / 1_000);
    return ms;
  }
}

/** How an attempt ended, as the node's callers count it (heartbeats and metrics). */
function attemptOutcome(error: unknown, nodeFault: boolean): AttemptOutcome {
  if (error instanceof NodeUnreachable && error.code === 'DEADLINE_EXCEEDED') return 'timeout';
  return nodeFault ? 'node_failure' : 'other';
}
