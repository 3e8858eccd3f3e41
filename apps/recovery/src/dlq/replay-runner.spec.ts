import { batchSize } from './replay-runner';

describe('replay batch size', () => {
  it('checkpoints about every 5 s of a throttled replay, and at most every 2,000 entries', () => {
    expect(batchSize(100)).toBe(500); // the automatic replay's default rate
    expect(batchSize(1)).toBe(5);
    expect(batchSize(0.1)).toBe(1);
    expect(batchSize(10_000)).toBe(2_000);
    expect(batchSize(0)).toBe(2_000); // unthrottled
  });
});
