import { EvidenceWindow } from './evidence-window';
import { SamplingInterval } from './sampling-interval';
import { SeriesClock } from './series-clock';

describe('SamplingInterval', () => {
  it('takes the median gap, unmoved by missing points', () => {
    const interval = new SamplingInterval();
    expect(interval.typicalMs).toBeNaN();
    for (const gap of [1000, 1000, 5000, 1000, 1000, 60_000, 990, 1010, 1000])
      interval.observe(gap);
    expect(interval.typicalMs).toBe(1000);
  });
});

describe('SeriesClock', () => {
  it('never runs backwards and reports long gaps', () => {
    const clock = new SeriesClock(12);
    const readings = [0, 1000, 2000, 1500, NaN, 3000, 4000, 60_000].map((t) => clock.read(t));
    expect(readings.map((r) => r.timestampMs)).toEqual([
      0, 1000, 2000, 2000, 2000, 3000, 4000, 60_000,
    ]);
    expect(readings.map((r) => r.afterGap)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
  });
});

describe('EvidenceWindow', () => {
  it('calls a dozen mildly surprising points in a row evidence, but not one spike', () => {
    const window = new EvidenceWindow(12);
    for (let i = 0; i < 3000; i++) window.update(i % 10 === 0 ? 1 : 0.3, true);
    const afterSpike = [
      window.update(20, false),
      ...Array.from({ length: 11 }, () => window.update(0.3, false)),
    ];
    expect(Math.max(...afterSpike)).toBeLessThan(3);
    const sustained = Array.from({ length: 12 }, () => window.update(2, false));
    expect(sustained[11]).toBeGreaterThan(4);
  });
});
