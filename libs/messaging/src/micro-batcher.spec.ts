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
});
