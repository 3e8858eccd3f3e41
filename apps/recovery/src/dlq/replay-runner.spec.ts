import { checkpointSize } from './replay-runner';

describe('replay checkpoints', () => {
  it('come about every 5 s of a throttled replay, and at most every 2,000 entries', () => {
    expect(checkpointSize(100)).toBe(500); // the automatic replay's default rate
    expect(checkpointSize(1)).toBe(5);
    expect(checkpointSize(0.1)).toBe(1);
    expect(checkpointSize(10_000)).toBe(2_000);
    expect(checkpointSize(0)).toBe(2_000); // unthrottled
  });
});
