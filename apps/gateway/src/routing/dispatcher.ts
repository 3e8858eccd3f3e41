import type { NodePool, PoolNode, Target } from '../pool/node-pool';
import type { CallLimits } from '../transport/node-transport';
import type { HedgeDelay } from './hedge-delay';
import { RequestAttempts, type AttemptContext, type DispatchEvents } from './request-attempts';
import type { RetryBudget } from './retry-budget';

export type { DispatchEvents } from './request-attempts';

export interface DispatchSettings {
  /** Longest one attempt may take. */
  attemptMs: number;
  /** When a request still unanswered is also sent to a second node (hedge-delay.ts). */
  hedgeDelay: HedgeDelay;
}

/**
 * Sends one call to the pool: to the node power-of-two-choices picks, and, when that fails in a
 * way another node may not (see failures.ts), once more to a different node, within the request's
 * deadline and the retry budget. A call still unanswered after the hedge delay also goes to a
 * second node and the first answer wins; an attempt stranded on a node whose circuit opens goes
 * elsewhere at once (request-attempts.ts has the rules). Every answer and failure is reported to
 * the node's circuit, and every answer's latency to the hedge delay.
 */
export class Dispatcher {
  private readonly context: AttemptContext;

  constructor(pool: NodePool, budget: RetryBudget, settings: DispatchSettings) {
    this.context = { pool, budget, ...settings };
  }

  /** The hedge delay a request sent now would get (undefined: hedging is off). */
  hedgeDelayMs(): number | undefined {
    return this.context.hedgeDelay.current();
  }

  dispatch<T>(
    target: Target,
    deadlineMs: number,
    call: (node: PoolNode, limits: CallLimits) => Promise<T>,
    events: DispatchEvents,
  ): Promise<T> {
    this.context.budget.request();
    return new Promise<T>((resolve, reject) =>
      new RequestAttempts(this.context, target, deadlineMs, call, events, resolve, reject).start(),
    );
  }
}
