import type { HedgeDelay } from './hedge-delay';
import { SLOW_LOSS_FACTOR, SLOW_LOSS_MIN_MS } from './request-attempts';
import { cluster, hung, slow } from './testing/fake-cluster';

// Fake timers: every delay below is exact, so each step of a race can be checked in turn.
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

/** Sends one request, lets `ms` pass, and returns its answer (it must have come by then). */
async function answerWithin(send: () => Promise<string>, ms: number): Promise<string> {
  let answer: string | undefined;
  void send().then((value) => (answer = value));
  await jest.advanceTimersByTimeAsync(ms);
  if (answer === undefined) throw new Error(`no answer within ${ms} ms`);
  return answer;
}

describe('hedge races and slow losses', () => {
  it('opens the circuit of a hung node whose hedge races are lost by far, within a few requests', async () => {
    const cancelled: string[] = [];
    const { send, seen, circuits } = cluster(
      { hung: hung('hung', cancelled), fast: slow('fast', 5) },
      { hedge: 10, breakerFailures: 3, random: () => 0 }, // draws `hung` first while it is idle
    );
    // The loser's grace: 8 hedge delays from its start, or the floor if that is longer.
    const graceMs = Math.max(SLOW_LOSS_FACTOR * 10, SLOW_LOSS_MIN_MS);
    for (let i = 0; i < 3; i++) {
      // Hedged at 10 ms, answered by the other node at 15: the client never waits on `hung`.
      expect(await answerWithin(send, 15)).toBe('fast');
      // The loser still waits out its grace, then is cancelled.
      await jest.advanceTimersByTimeAsync(graceMs - 16);
      expect(cancelled).toHaveLength(i);
      await jest.advanceTimersByTimeAsync(1);
      expect(cancelled).toHaveLength(i + 1);
    }
    expect(seen.hedge).toBe(3);
    expect(seen.opened).toEqual(['hung']);
    expect(circuits().hung).toBe('open');

    // Out of rotation: requests go straight to the other node, and none needs a hedge.
    for (let i = 0; i < 5; i++) expect(await answerWithin(send, 5)).toBe('fast');
    expect(seen.hedge).toBe(3);
  });

  it('does not count a race lost by a node that answers within its grace: slow is not hung', async () => {
    const recorded: number[] = [];
    const hedge: HedgeDelay = { current: () => 10, record: (ms) => recorded.push(ms) };
    const { send, seen, circuits } = cluster(
      { slow: slow('slow', 30), fast: slow('fast', 5) },
      { hedge, breakerFailures: 3, random: () => 0 },
    );
    for (let i = 0; i < 10; i++) {
      expect(await answerWithin(send, 15)).toBe('fast');
      await jest.advanceTimersByTimeAsync(20); // the loser answers at 30 ms, inside its grace
    }
    expect(seen.hedge).toBe(10);
    expect(seen.opened).toEqual([]);
    expect(circuits().slow).toBe('closed');
    // Both the winners' answers and the losers' late ones feed the pool's latency window.
    expect(recorded.filter((ms) => ms === 30)).toHaveLength(10);
    expect(recorded.filter((ms) => ms === 5)).toHaveLength(10);
  });

  it('sends no hedge once the retry budget is spent', async () => {
    const { send, seen } = cluster(
      { a: slow('a', 40), b: slow('b', 40) },
      { hedge: 10, budget: 1, random: () => 0 },
    );
    await Promise.all([answerWithin(send, 50), answerWithin(send, 50)]);
    expect(seen.hedge).toBe(1);
    expect(seen.exhausted).toBe(1);
  });
});

describe('rescuing attempts stranded on a node whose circuit opens', () => {
  it('re-sends the attempt elsewhere at once instead of waiting for the attempt timeout', async () => {
    const cancelled: string[] = [];
    const { send, seen, unreachable } = cluster(
      { hung: hung('hung', cancelled), good: slow('good', 5) },
      { hedge: 500, attemptMs: 1_000, random: () => 0 },
    );
    let answer: string | undefined;
    void send().then((value) => (answer = value));
    await jest.advanceTimersByTimeAsync(100);
    expect(answer).toBeUndefined(); // waiting on `hung`, the hedge not due before 500 ms
    unreachable('hung'); // the transport saw the connection fail: the circuit opens
    await jest.advanceTimersByTimeAsync(5);
    expect(answer).toBe('good'); // at 105 ms, not 1,000
    expect(seen).toMatchObject({ rescue: 1, hedge: 0, retry: 0, opened: [] });
    expect(cancelled).toEqual(['hung']);
  });

  it('rescues without hedging too, and without asking the retry budget', async () => {
    const { send, seen, unreachable } = cluster(
      { hung: hung('hung'), good: slow('good', 5) },
      { budget: 0, random: () => 0 },
    );
    let answer: string | undefined;
    void send().then((value) => (answer = value));
    await jest.advanceTimersByTimeAsync(50);
    unreachable('hung');
    await jest.advanceTimersByTimeAsync(5);
    expect(answer).toBe('good');
    expect(seen).toMatchObject({ rescue: 1, exhausted: 0 });
    // The abandoned call ends at its deadline unheard (no signal to cancel it without hedging).
    await jest.advanceTimersByTimeAsync(1_000);
    expect(answer).toBe('good');
  });

  it("takes the abandoned call's answer if it comes first, and counts nothing against the other node", async () => {
    const { send, seen, unreachable, circuits } = cluster(
      { late: slow('late', 100), other: slow('other', 300) },
      { breakerFailures: 1, random: () => 0 }, // no hedging: nothing can be cancelled
    );
    let answer: string | undefined;
    void send().then((value) => (answer = value));
    await jest.advanceTimersByTimeAsync(50);
    unreachable('late'); // rescued to `other`, but the abandoned call still runs
    await jest.advanceTimersByTimeAsync(60);
    expect(answer).toBe('late');
    await jest.advanceTimersByTimeAsync(300);
    expect(seen).toMatchObject({ rescue: 1, opened: [] });
    expect(circuits().other).toBe('closed'); // one slow loss would have opened it
  });

  it('cancels an attempt another node is also working on, without a rescue', async () => {
    const cancelled: string[] = [];
    const { send, seen, unreachable } = cluster(
      { hung: hung('hung', cancelled), good: slow('good', 100) },
      { hedge: 10, random: () => 0 },
    );
    let answer: string | undefined;
    void send().then((value) => (answer = value));
    await jest.advanceTimersByTimeAsync(20); // hedged to `good`, which takes 100 ms
    unreachable('hung');
    expect(cancelled).toEqual(['hung']);
    await jest.advanceTimersByTimeAsync(100);
    expect(answer).toBe('good');
    expect(seen).toMatchObject({ hedge: 1, rescue: 0 });
  });

  it('rescues a request once: a second circuit opening under it leaves it to its attempt', async () => {
    const { send, seen, unreachable } = cluster(
      { first: hung('first'), second: hung('second'), good: slow('good', 5) },
      { attemptMs: 1_000, random: () => 0 },
    );
    let answer: string | undefined;
    void send().then((value) => (answer = value));
    await jest.advanceTimersByTimeAsync(10);
    unreachable('first'); // rescued to `second` (drawn before `good`)
    await jest.advanceTimersByTimeAsync(10);
    unreachable('second');
    await jest.advanceTimersByTimeAsync(500);
    expect(answer).toBeUndefined();
    // `second` times out at its attempt deadline; the request's one retry then goes to `good`.
    await jest.advanceTimersByTimeAsync(1_000);
    expect(answer).toBe('good');
    expect(seen).toMatchObject({ rescue: 1, retry: 1 });
  });
});
