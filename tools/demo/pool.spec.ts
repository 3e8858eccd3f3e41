import { runPool } from './pool';

async function* numbers(n: number, finished: { closed: boolean }) {
  try {
    for (let i = 0; i < n; i++) yield i;
  } finally {
    finished.closed = true;
  }
}

/** A promise with its resolve exposed, so a test decides when each item finishes. */
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('runPool', () => {
  it('never has more than `concurrency` items in flight and does them all', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    await runPool(numbers(20, { closed: false }), 3, async (i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise(setImmediate);
      running--;
      done.push(i);
    });
    expect(peak).toBe(3);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('starts nothing new after a failure, lets running items finish, then throws', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    const gates = Array.from({ length: 10 }, deferred);
    const source = { closed: false };
    const run = runPool(numbers(10, source), 2, async (i) => {
      started.push(i);
      await gates[i].promise;
      if (i === 0) throw new Error('batch 0 failed');
      finished.push(i);
    });
    await new Promise(setImmediate);
    expect(started).toEqual([0, 1]);
    gates[0].resolve();
    await new Promise(setImmediate);
    gates[1].resolve();
    await expect(run).rejects.toThrow('batch 0 failed');
    expect(started).toEqual([0, 1]);
    expect(finished).toEqual([1]);
    expect(source.closed).toBe(true);
  });

  it('turns a failure of the source (a bad line) into the error', async () => {
    async function* broken() {
      yield 1;
      throw new Error('line 2: not valid JSON');
    }
    const seen: number[] = [];
    await expect(runPool(broken(), 4, async (i) => void seen.push(i))).rejects.toThrow('line 2');
    expect(seen).toEqual([1]);
  });
});
