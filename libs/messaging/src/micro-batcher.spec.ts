import { MicroBatcher } from './micro-batcher';

describe('MicroBatcher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('flushes a full batch at once and a partial one after the delay, per key', async () => {
    const flushed: Array<[string, number[]]> = [];
    const batcher = new MicroBatcher<number>(
      async (key, items) => void flushed.push([key, items]),
      3,
      20,
    );
    const done = [1, 2, 3].map((n) => batcher.add('a', n));
    await Promise.all(done);
    expect(flushed).toEqual([['a', [1, 2, 3]]]);

    const partial = [batcher.add('a', 4), batcher.add('b', 5)];
    expect(flushed).toHaveLength(1);
    jest.advanceTimersByTime(20);
    await Promise.all(partial);
    expect(flushed).toEqual([
      ['a', [1, 2, 3]],
      ['a', [4]],
      ['b', [5]],
    ]);
  });

  it('counts each group by its size', async () => {
    const flushed: string[][] = [];
    const batcher = new MicroBatcher<string>(
      async (_key, groups) => void flushed.push(groups),
      100,
      20,
    );
    const first = batcher.add('a', 'sixty', 60);
    expect(flushed).toEqual([]);
    await Promise.all([first, batcher.add('a', 'forty', 40)]);
    expect(flushed).toEqual([['sixty', 'forty']]);
  });

  it('fails every item of a batch whose flush fails, and keeps serving', async () => {
    let fail = true;
    const batcher = new MicroBatcher<number>(
      async () => {
        if (fail) throw new Error('database down');
      },
      2,
      20,
    );
    const results = await Promise.allSettled([batcher.add('a', 1), batcher.add('a', 2)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await expect(Promise.all([batcher.add('a', 3), batcher.add('a', 4)])).resolves.toEqual([
      undefined,
      undefined,
    ]);
  });

  it('flushes the groups of a failed batch one by one, so only the bad one fails', async () => {
    jest.useRealTimers();
    const flushed: string[][] = [];
    const batcher = new MicroBatcher<string>(
      async (_key, groups) => {
        flushed.push(groups);
        if (groups.includes('poison')) throw new Error('cannot store poison');
      },
      3,
      1_000,
      (error) => (error as Error).message.startsWith('cannot store'),
    );
    const outcomes = await Promise.allSettled(['a', 'poison', 'b'].map((g) => batcher.add('k', g)));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(flushed).toEqual([['a', 'poison', 'b'], ['a'], ['poison'], ['b']]);
  });

  it('fails the whole batch at once for an error it must not isolate (an outage)', async () => {
    jest.useRealTimers();
    let flushes = 0;
    const batcher = new MicroBatcher<string>(
      async () => {
        flushes++;
        throw new Error('database unavailable');
      },
      2,
      1_000,
      (error) => !(error as Error).message.includes('unavailable'),
    );
    const outcomes = await Promise.allSettled(['a', 'b'].map((g) => batcher.add('k', g)));
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect(flushes).toBe(1);
  });
});
