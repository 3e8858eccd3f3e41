import { InferenceError } from '@keelson/inference';
import { NodeUnreachable } from '../transport/node-transport';
import { SLOW_LOSS_FACTOR, SLOW_LOSS_MIN_MS } from './request-attempts';
import { cluster, fail, ok, refused, slow } from './testing/fake-cluster';

afterEach(() => jest.useRealTimers());

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

  it('hedges a slow call on another node, and cancels the loser once its grace is over', async () => {
    jest.useFakeTimers();
    const cancelled: string[] = [];
    const { send, seen } = cluster(
      { slow: slow('slow', 2_000, cancelled), fast: slow('fast', 5, cancelled) },
      { hedge: 20, random: () => 0 }, // draws `slow` first
    );
    const answer = send();
    await jest.advanceTimersByTimeAsync(25); // the hedge at 20 ms, its answer at 25
    await expect(answer).resolves.toBe('fast');
    expect(seen.hedge).toBe(1);
    // The loser may still answer (and so prove its node alive) for its grace: 8 hedge delays from
    // its start, or the floor.
    await jest.advanceTimersByTimeAsync(Math.max(SLOW_LOSS_FACTOR * 20, SLOW_LOSS_MIN_MS) - 26);
    expect(cancelled).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(cancelled).toEqual(['slow']);
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
