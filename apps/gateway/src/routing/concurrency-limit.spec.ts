import { DEFAULT_ADAPTIVE_LIMIT } from '@keelson/service-kit';
import { Overloaded } from './failures';
import { cluster, slow } from './testing/fake-cluster';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('per-node concurrency limits in the dispatcher', () => {
  // A limit of 8 that starts by probing the no-load latency at a quarter of it: 2 per node.
  const concurrency = { ...DEFAULT_ADAPTIVE_LIMIT, initial: 8 };

  it('refuses at once, with Retry-After, what no node has room for, and serves it again when they do', async () => {
    const { send, calls } = cluster(
      { a: slow('a', 50), b: slow('b', 50) },
      { concurrency, random: () => 0 },
    );
    const answers = Array.from({ length: 4 }, () => send());
    const refused = await send().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(Overloaded);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', retryAfterSeconds: 1 });
    expect(calls).toHaveLength(4); // the refused one never reached a node
    await jest.advanceTimersByTimeAsync(50);
    expect((await Promise.all(answers)).sort()).toEqual(['a', 'a', 'b', 'b']);
    const again = send(); // room again
    await jest.advanceTimersByTimeAsync(50);
    await expect(again).resolves.toBe('a');
  });

  it('learns a larger limit on nodes that answer fast under load', async () => {
    const { send, pool } = cluster({ a: slow('a', 2), b: slow('b', 2) }, { concurrency });
    for (let round = 0; round < 400; round++) {
      const batch = Array.from({ length: 40 }, () => send().catch(() => 'refused'));
      await jest.advanceTimersByTimeAsync(2);
      await Promise.all(batch);
    }
    for (const node of pool.snapshot()) expect(node.concurrencyLimit).toBeGreaterThan(8);
  });

  it('sends everything on when the limit is off', async () => {
    const { send, calls } = cluster({ a: slow('a', 50) }, { random: () => 0 });
    const answers = Array.from({ length: 50 }, () => send());
    await jest.advanceTimersByTimeAsync(50);
    expect(await Promise.all(answers)).toHaveLength(50);
    expect(calls).toHaveLength(50);
  });
});
