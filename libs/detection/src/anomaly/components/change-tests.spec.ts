import { createSeededRandom } from '../suite/seeded-random';
import { binomialTailSurprise, RunEvidence } from './run-evidence';
import { StuckValue } from './stuck-value';
import { TrendChange } from './trend-change';
import { VarianceChange } from './variance-change';

const random = createSeededRandom(41);
const feed = <T extends { update(x: number): number }>(test: T, xs: number[]) =>
  xs.map((x) => test.update(x));
const noise = (n: number, sigma = 1) => Array.from({ length: n }, () => sigma * random.normal());

describe('VarianceChange', () => {
  it('rises when the noise triples and stays low while it does not', () => {
    const test = new VarianceChange();
    const calm = feed(test, noise(2000));
    const loud = feed(test, noise(24, 3));
    // ln 3 = 1.1 once the short mean has caught up; after 24 points it is most of the way.
    expect(loud[23]).toBeGreaterThan(0.6);
    expect(loud[23]).toBeGreaterThan(1.5 * Math.max(...calm.slice(200)));
  });

  it('reads a constant series as no change', () => {
    expect(feed(new VarianceChange(), new Array(100).fill(0)).every((x) => x === 0)).toBe(true);
  });
});

describe('TrendChange', () => {
  it('flags residuals that start climbing, not residuals that merely scatter', () => {
    const test = new TrendChange();
    const calm = feed(test, noise(2000));
    const ramp = feed(
      test,
      Array.from({ length: 36 }, (_, i) => 0.15 * i + random.normal()),
    );
    const p999 = [...calm.slice(100)].sort((a, b) => a - b)[Math.floor(0.999 * 1900)];
    expect(Math.max(...ramp)).toBeGreaterThan(2 * p999);
  });
});

describe('StuckValue', () => {
  it('flags a noisy series that repeats itself within a few points', () => {
    const test = new StuckValue();
    const before = feed(test, noise(500));
    const stuck = feed(test, new Array(10).fill(1.234));
    expect(before.every((s) => s === 0)).toBe(true);
    expect(stuck.findIndex((s) => s > 4)).toBeLessThan(6);
  });

  it('learns that a count series sits at zero for long runs', () => {
    const test = new StuckValue();
    const counts = Array.from({ length: 5000 }, (_, i) => (i % 200 < 150 ? 0 : random.poisson(2)));
    expect(Math.max(...feed(test, counts))).toBe(0);
  });

  it('never calls a series that was always constant stuck', () => {
    expect(Math.max(...feed(new StuckValue(), new Array(1000).fill(3)))).toBe(0);
  });
});

describe('RunEvidence', () => {
  it('computes binomial tail probabilities', () => {
    // P(X >= 2), X ~ Bin(8, 0.1) = 1 - 0.9^8 - 8 * 0.1 * 0.9^7 = 0.18690...
    expect(binomialTailSurprise(2, 8, 0.1)).toBeCloseTo(-Math.log10(0.1869), 3);
    // P(X >= 8) = p^8, far below what 1 - P(X < 8) can resolve.
    expect(binomialTailSurprise(8, 8, 0.001)).toBeCloseTo(24, 6);
    expect(binomialTailSurprise(1, 8, 0.5)).toBe(0);
  });

  it('grows with every point of a sustained deviation, and forgets it when told', () => {
    const test = new RunEvidence();
    feed(test, noise(3000));
    const run = feed(test, new Array(6).fill(3));
    run.slice(1).forEach((s, k) => expect(s).toBeGreaterThan(run[k]));
    expect(run[5]).toBeGreaterThan(6);
    test.forgetRecent();
    expect(test.update(3)).toBe(0);
  });
});
