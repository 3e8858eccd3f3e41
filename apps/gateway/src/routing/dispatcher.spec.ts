import { InferenceError } from '@keelson/inference';
import { NodePool } from '../pool/node-pool';
import {
  CallCancelled,
  NodeUnreachable,
  type CallLimits,
  type NodeTransport,
} from '../transport/node-transport';
import { Dispatcher, type DispatchEvents } from './dispatcher';
import { RetryBudget } from './retry-budget';

type Behaviour = (limits: CallLimits) => Promise<string>;

/** A pool of named nodes, each answering as its behaviour says. */
function cluster(
  behaviours: Record<string, Behaviour>,
  options: { hedgeAfterMs?: number; budget?: number } = {},
) {
  const calls: string[] = [];
  const pool = new NodePool(
    {
      staleAfterMs: 60_000,
      forgetAfterMs: 60_000,
      breaker: { failures: 3, cooldownMs: 1_000, maxCooldownMs: 1_000 },
    },
    {
      addressOf: (r) => r.nodeId,
      create: (address) =>
        ({
          reachable: () => true,
          close: () => undefined,
          infer: (_request: unknown, limits: CallLimits) => {
            calls.push(address);
            return behaviours[address](limits);
          },
        }) as unknown as NodeTransport,
    },
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
  const dispatcher = new Dispatcher(pool, budget, {
    attemptMs: 1_000,
    hedgeAfterMs: options.hedgeAfterMs ?? 0,
  });
  const seen = { retry: 0, hedge: 0, exhausted: 0, opened: [] as string[] };
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
  return { pool, calls, seen, send };
}

const ok =
  (name: string): Behaviour =>
  async () =>
    name;
const fail =
  (error: Error): Behaviour =>
  async () => {
    throw error;
  };
const slow =
  (name: string, ms: number): Behaviour =>
  (limits) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(name), ms);
      limits.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(new CallCancelled());
      });
    });
const refused = () => new NodeUnreachable('UNAVAILABLE', 'connect ECONNREFUSED');

describe('Dispatcher', () => {
  it('retries a refused connection once, on the other node', async () => {
    const { send, calls, seen } = cluster({ dead: fail(refused()), good: ok('good') });
    for (let i = 0; i < 20; i++) expect(await send()).toBe('good');
    expect(calls.filter((c) => c === 'dead').length).toBe(seen.retry);
  });

  it.each([
    ['5xx', new InferenceError('INTERNAL', 'boom')],
    ['429', new InferenceError('RESOURCE_EXHAUSTED', 'queue full')],
    ['a version the node just unloaded', new InferenceError('NOT_FOUND', 'not served here')],
    ['a timeout', new NodeUnreachable('DEADLINE_EXCEEDED', 'slow')],
  ])('retries %s elsewhere', async (_what, error) => {
    const { send } = cluster({ a: fail(error), b: fail(error) });
    await expect(send()).rejects.toBeInstanceOf(InferenceError);
    const { send: sendMixed, calls } = cluster({ bad: fail(error), good: ok('good') });
    while (!calls.includes('bad')) await sendMixed();
    expect(calls.at(-1)).toBe('good');
  });

  it('never retries a request the node rejected as malformed', async () => {
    const invalid = new InferenceError('INVALID_ARGUMENT', "input 'x': shape [2] needs 2 elements");
    const { send, calls } = cluster({ a: fail(invalid), b: fail(invalid) });
    await expect(send()).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: invalid.message,
    });
    expect(calls).toHaveLength(1);
  });

  it('tells the client the pool failed, without node addresses, after two nodes fail', async () => {
    const { send, calls } = cluster({ a: fail(refused()), b: fail(refused()), c: fail(refused()) });
    await expect(send()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('tried 2 nodes'),
    });
    expect(calls).toHaveLength(2);
  });

  it('stops retrying when the budget is spent', async () => {
    const { send, seen } = cluster({ a: fail(refused()), b: fail(refused()) }, { budget: 3 });
    for (let i = 0; i < 6; i++) await send().catch(() => undefined);
    expect(seen.retry).toBe(3);
    expect(seen.exhausted).toBe(3);
  });

  it('opens the circuit of a node after consecutive failures and stops sending to it', async () => {
    const { send, seen, calls } = cluster({ dead: fail(refused()), good: ok('good') });
    for (let i = 0; i < 40; i++) await send();
    expect(seen.opened).toEqual(['dead']);
    expect(calls.filter((c) => c === 'dead')).toHaveLength(3);
  });

  it('hedges a slow call on another node and cancels the loser', async () => {
    const cancelled: string[] = [];
    const tracked =
      (name: string, ms: number): Behaviour =>
      (limits) => {
        limits.signal?.addEventListener('abort', () => cancelled.push(name));
        return slow(name, ms)(limits);
      };
    const { send, seen } = cluster(
      { slow: tracked('slow', 500), fast: tracked('fast', 5) },
      { hedgeAfterMs: 20 },
    );
    const answers = new Set<string>();
    const started = Date.now();
    for (let i = 0; i < 10; i++) answers.add(await send());
    expect([...answers]).toEqual(['fast']);
    expect(Date.now() - started).toBeLessThan(1_000); // never waited out the slow node
    expect(seen.hedge).toBe(cancelled.filter((n) => n === 'slow').length);
  });

  it('gives up at the deadline with DEADLINE_EXCEEDED', async () => {
    const { send } = cluster({
      a: (limits) =>
        new Promise((_, reject) =>
          setTimeout(
            () => reject(new NodeUnreachable('DEADLINE_EXCEEDED', 'late')),
            limits.deadlineMs - Date.now(),
          ),
        ),
    });
    await expect(send(Date.now() + 50)).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });
});
