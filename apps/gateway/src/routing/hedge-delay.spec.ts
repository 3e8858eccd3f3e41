import { AdaptiveHedgeDelay, hedgeDelayFor } from './hedge-delay';

describe('AdaptiveHedgeDelay', () => {
  let now = 0;
  const delay = () => new AdaptiveHedgeDelay({ floorMs: 1, ceilingMs: 1_500 }, () => now);
  beforeEach(() => (now = 0));

  it('waits the ceiling until it has seen enough answers to know the tail', () => {
    const d = delay();
    for (let i = 0; i < 19; i++) d.record(4);
    expect(d.current()).toBe(1_500);
    d.record(4);
    now += 100;
    expect(d.current()).toBe(4);
  });

  it("follows the p95 of the pool's recent answers", () => {
    const d = delay();
    for (let i = 1; i <= 100; i++) d.record(i); // 1..100 ms: the 95th is 95
    expect(d.current()).toBe(95);
    // The window keeps the last 1,024 answers: these push the old ones out.
    for (let i = 0; i < 1_024; i++) d.record(10);
    now += 100;
    expect(d.current()).toBe(10);
  });

  it('stays between the floor and the ceiling', () => {
    const fast = delay();
    for (let i = 0; i < 50; i++) fast.record(0.1);
    expect(fast.current()).toBe(1);
    const slow = delay();
    for (let i = 0; i < 50; i++) slow.record(4_000);
    expect(slow.current()).toBe(1_500);
  });

  it('sorts the window at most every 100 ms, not for every request', () => {
    const d = delay();
    for (let i = 0; i < 50; i++) d.record(5);
    expect(d.current()).toBe(5);
    for (let i = 0; i < 500; i++) d.record(50);
    now += 99;
    expect(d.current()).toBe(5);
    now += 1;
    expect(d.current()).toBe(50);
  });

  it('forgets answers older than 10 s', () => {
    const d = delay();
    for (let i = 0; i < 50; i++) d.record(5);
    now = 10_001;
    expect(d.current()).toBe(1_500);
  });
});

describe('hedgeDelayFor', () => {
  it('maps GATEWAY_HEDGE_AFTER to a delay: auto, pinned or none', () => {
    expect(hedgeDelayFor({ mode: 'off' }, 3_000).current()).toBeUndefined();
    expect(hedgeDelayFor({ mode: 'fixed', ms: 40 }, 3_000).current()).toBe(40);
    // Auto starts at its ceiling, half the attempt timeout, until answers come in.
    expect(hedgeDelayFor({ mode: 'auto' }, 3_000, () => 0).current()).toBe(1_500);
  });
});
