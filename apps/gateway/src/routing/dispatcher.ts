import type { AttemptOutcome } from '../pool/node-attempts';
import type { NodePool, PoolNode, Target } from '../pool/node-pool';
import type { CallLimits } from '../transport/node-transport';
import { CallCancelled, NodeUnreachable } from '../transport/node-transport';
import { gatewayMetrics } from '../telemetry/gateway-metrics';
import { clientError, judge } from './failures';
import type { RetryBudget } from './retry-budget';

export interface DispatchSettings {
  /** Longest one attempt may take. */
  attemptMs: number;
  /** Start a second attempt when the first is still unanswered after this long; 0: never. */
  hedgeAfterMs: number;
}

export interface DispatchEvents {
  /** A second attempt went out: after a failure (`retry`) or a slow first one (`hedge`). */
  extraAttempt(kind: 'retry' | 'hedge'): void;
  budgetExhausted(): void;
  circuitOpened(node: PoolNode): void;
}

/** One request at most reaches two nodes: the first try and one retry or hedge. */
const MAX_ATTEMPTS = 2;
/** Not worth starting an attempt with less time than this left. */
const MIN_ATTEMPT_MS = 5;

/**
 * Sends one call to the pool: to the node power-of-two-choices picks, and, when that fails in a
 * way another node may not (see failures.ts), once more to a different node, within the request's
 * deadline and the retry budget. With hedging on, a call still unanswered after `hedgeAfterMs`
 * also goes to a second node and the first answer wins; the other call is cancelled. Every answer
 * and failure is reported to the node's circuit.
 */
export class Dispatcher {
  constructor(
    private readonly pool: NodePool,
    private readonly budget: RetryBudget,
    private readonly settings: DispatchSettings,
  ) {}

  dispatch<T>(
    target: Target,
    deadlineMs: number,
    call: (node: PoolNode, limits: CallLimits) => Promise<T>,
    events: DispatchEvents,
  ): Promise<T> {
    this.budget.request();
    return new Promise<T>((resolve, reject) => {
      const tried = new Set<string>();
      // Only a hedged call can lose a race and need cancelling; without hedging, no signal is made
      // (an AbortController and the DOMException of each abort showed up in the CPU profile).
      const hedging = this.settings.hedgeAfterMs > 0;
      const unfinished = new Set<AbortController>();
      let running = 0;
      let settled = false;
      let hedge: NodeJS.Timeout | undefined;

      const settle = (error: unknown, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(hedge);
        for (const controller of unfinished) controller.abort(); // the losers
        if (error === undefined) resolve(value as T);
        else reject(clientError(error, tried.size, deadlineMs));
      };

      const attempt = (node: PoolNode) => {
        tried.add(node.id);
        running++;
        node.outstanding++;
        const controller = hedging ? new AbortController() : undefined;
        if (controller) unfinished.add(controller);
        const limits: CallLimits = {
          deadlineMs: Math.min(deadlineMs, Date.now() + this.settings.attemptMs),
          ...(controller && { signal: controller.signal }),
        };
        const started = performance.now();
        call(node, limits).then(
          (value) => {
            node.outstanding--;
            running--;
            if (controller) unfinished.delete(controller);
            node.breaker.success();
            observe(node, 'ok', started);
            settle(undefined, value);
          },
          (error: unknown) => {
            node.outstanding--;
            running--;
            if (controller) unfinished.delete(controller);
            if (error instanceof CallCancelled) return;
            const verdict = judge(error);
            observe(node, attemptOutcome(error, verdict.nodeFault), started);
            if (!verdict.nodeFault) node.breaker.success();
            else if (node.breaker.failure()) events.circuitOpened(node);
            if (settled) return;
            if (verdict.retry && extra('retry')) return;
            if (running === 0) settle(error);
          },
        );
      };

      /** Sends the one extra attempt a request may have, if a node, time and budget allow. */
      const extra = (kind: 'retry' | 'hedge'): boolean => {
        if (tried.size >= MAX_ATTEMPTS || deadlineMs - Date.now() < MIN_ATTEMPT_MS) return false;
        const node = this.pool.pick(target, tried);
        if (!node) return false;
        if (!this.budget.tryRetry()) {
          events.budgetExhausted();
          return false;
        }
        events.extraAttempt(kind);
        attempt(node);
        return true;
      };

      const first = this.pool.pick(target);
      if (!first) {
        settle(new Error('no node serves the target')); // the caller checked; a race at worst
        return;
      }
      attempt(first);
      if (hedging) {
        hedge = setTimeout(() => {
          if (!settled && running > 0) extra('hedge');
        }, this.settings.hedgeAfterMs);
        hedge.unref();
      }
    });
  }
}

/** How an attempt ended, as the node's callers count it (heartbeats and metrics). */
function attemptOutcome(error: unknown, nodeFault: boolean): AttemptOutcome {
  if (error instanceof NodeUnreachable && error.code === 'DEADLINE_EXCEEDED') return 'timeout';
  return nodeFault ? 'node_failure' : 'other';
}

function observe(node: PoolNode, outcome: AttemptOutcome, started: number): void {
  const now = performance.now();
  node.attempts.record(outcome, now - started, now);
  gatewayMetrics.nodeAttempt(node.id, outcome, (now - started) / 1_000);
}
