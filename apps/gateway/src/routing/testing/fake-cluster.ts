import type { AdaptiveLimitSettings } from '@keelson/service-kit';
import { NodePool } from '../../pool/node-pool';
import {
  CallCancelled,
  NodeUnreachable,
  type CallLimits,
  type NodeTransport,
} from '../../transport/node-transport';
import { Dispatcher, type DispatchEvents } from '../dispatcher';
import type { HedgeDelay } from '../hedge-delay';
import { RetryBudget } from '../retry-budget';

/** How a fake node answers one call. */
export type Behaviour = (limits: CallLimits) => Promise<string>;

export interface ClusterOptions {
  /** A fixed hedge delay in ms, or a HedgeDelay; none: hedging off. */
  hedge?: number | HedgeDelay;
  /** Retries and hedges the budget allows over its window. */
  budget?: number;
  breakerFailures?: number;
  attemptMs?: number;
  /** Power of two choices' draws (0 always draws the first two nodes, in the order given). */
  random?: () => number;
  /** Each node's adaptive concurrency limit; none: no cap. */
  concurrency?: AdaptiveLimitSettings;
}

/**
 * A pool of named fake nodes, each answering as its behaviour says, behind a real Dispatcher,
 * pool, breakers and budget: what the dispatcher's unit specs drive.
 */
export function cluster(behaviours: Record<string, Behaviour>, options: ClusterOptions = {}) {
  const calls: string[] = [];
  const reachable = new Map(Object.keys(behaviours).map((id) => [id, true]));
  const pool = new NodePool(
    {
      staleAfterMs: 60_000,
      forgetAfterMs: 60_000,
      breaker: { failures: options.breakerFailures ?? 3, cooldownMs: 1_000, maxCooldownMs: 1_000 },
      ...(options.concurrency && { concurrency: options.concurrency }),
    },
    {
      addressOf: (r) => r.nodeId,
      create: (address) =>
        ({
          reachable: () => reachable.get(address),
          close: () => undefined,
          infer: (_request: unknown, limits: CallLimits) => {
            calls.push(address);
            return behaviours[address](limits);
          },
        }) as unknown as NodeTransport,
    },
    undefined,
    options.random,
  );
  for (const nodeId of Object.keys(behaviours))
    pool.upsert({
      nodeId,
      addresses: { http: '', grpc: '' },
      models: [{ name: 'm', version: 1, ready: true }],
    });
  const budget = new RetryBudget({
    budgetRatio: 0,
    minPerSecond: (options.budget ?? 100) / 10,
    windowMs: 10_000,
  });
  const hedge = options.hedge;
  const hedgeDelay: HedgeDelay =
    typeof hedge === 'object' ? hedge : { current: () => hedge, record: () => undefined };
  const dispatcher = new Dispatcher(pool, budget, {
    attemptMs: options.attemptMs ?? 1_000,
    hedgeDelay,
  });
  const seen = { retry: 0, hedge: 0, rescue: 0, exhausted: 0, opened: [] as string[] };
  const events: DispatchEvents = {
    extraAttempt: (kind) => seen[kind]++,
    budgetExhausted: () => seen.exhausted++,
    circuitOpened: (node) => seen.opened.push(node.id),
  };
  const send = (deadlineMs = Date.now() + 5_000) =>
    dispatcher.dispatch(
      { model: 'm', version: 1 },
      deadlineMs,
      (node, limits) =>
        node.transport.infer({ model: 'm', inputs: [] }, limits) as unknown as Promise<string>,
      events,
    );
  /** The transport reports the node unreachable, and the pool's maintenance sees it. */
  const unreachable = (id: string) => {
    reachable.set(id, false);
    pool.maintain(async () => false);
  };
  /** Each node's circuit state, by id. */
  const circuits = () => Object.fromEntries(pool.snapshot().map((n) => [n.nodeId, n.circuit]));
  return { pool, calls, seen, send, unreachable, circuits };
}

export const ok =
  (name: string): Behaviour =>
  async () =>
    name;

export const fail =
  (error: Error): Behaviour =>
  async () => {
    throw error;
  };

/** Answers after `ms`, unless cancelled first (as the transports do). */
export const slow =
  (name: string, ms: number, cancelled: string[] = []): Behaviour =>
  (limits) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(name), ms);
      limits.signal?.addEventListener('abort', () => {
        cancelled.push(name);
        clearTimeout(timer);
        reject(new CallCancelled());
      });
    });

/** A hung node (SIGSTOP): never answers; the call ends at its deadline or when cancelled. */
export const hung =
  (name: string, cancelled: string[] = []): Behaviour =>
  (limits) =>
    new Promise((_, reject) => {
      const timer = setTimeout(
        () => reject(new NodeUnreachable('DEADLINE_EXCEEDED', `${name} did not answer in time`)),
        limits.deadlineMs - Date.now(),
      );
      limits.signal?.addEventListener('abort', () => {
        cancelled.push(name);
        clearTimeout(timer);
        reject(new CallCancelled());
      });
    });

export const refused = () => new NodeUnreachable('UNAVAILABLE', 'connect ECONNREFUSED');
