import { HoltForecaster, type HoltForecasterSettings } from './holt-forecaster';
import { sampleSeries, seededNormal } from './test-series';

const SECOND = 1000;
const settings: HoltForecasterSettings = {
  levelHalfLifeMs: 10 * SECOND,
  trendHalfLifeMs: 60 * SECOND,
  errorHalfLifeMs: 60 * SECOND,
};

function fed(points: readonly (readonly [number, number])[], s = settings): HoltForecaster {
  const forecaster = new HoltForecaster(s);
  for (const [t, v] of points) forecaster.update(t, v);
  return forecaster;
}

describe('HoltForecaster', () => {
  it('learns the slope of a straight line and extrapolates it', () => {
    const line = (t: number) => 100 + 0.5 * (t / SECOND);
    const forecaster = fed(sampleSeries({ untilMs: 600 * SECOND, shape: line, gapMs: 5 * SECOND }));

    expect(forecaster.state().trendPerMs * SECOND).toBeCloseTo(0.5, 3);
    const ahead = forecaster.forecast(120 * SECOND);
    expect(ahead?.value).toBeCloseTo(line(720 * SECOND), 1);
    // No noise: the interval has (almost) nothing to cover.
    expect((ahead?.high ?? 0) - (ahead?.low ?? 0)).toBeLessThan(1);
  });

  it('means the same thing whether points come every second or every ten', () => {
    const ramp = (t: number) => (t < 300 * SECOND ? 200 : 200 + (t - 300 * SECOND) / SECOND);
    const every = (gapMs: number) =>
      fed(sampleSeries({ untilMs: 600 * SECOND, shape: ramp, gapMs })).state();

    const fast = every(SECOND);
    const slow = every(10 * SECOND);
    expect(slow.trendPerMs / fast.trendPerMs).toBeGreaterThan(0.9);
    expect(slow.trendPerMs / fast.trendPerMs).toBeLessThan(1.1);
  });

  it('tracks a line sampled at irregular timestamps', () => {
    const line = (t: number) => 50 + 2 * (t / SECOND);
    const points = sampleSeries({
      untilMs: 900 * SECOND,
      shape: line,
      gapMs: (u) => SECOND + u * 14 * SECOND,
      seed: 7,
    });
    const forecaster = fed(points);
    const [lastT] = points[points.length - 1];

    expect(forecaster.state().trendPerMs * SECOND).toBeCloseTo(2, 2);
    expect(forecaster.forecast(60 * SECOND)?.value).toBeCloseTo(line(lastT + 60 * SECOND), 0);
  });

  it('gives a 95% interval that covers about 95% of later observations', () => {
    const horizonMs = 120 * SECOND;
    const gapMs = 5 * SECOND;
    const line = (t: number) => 300 + t / SECOND;
    const noise = seededNormal(11);
    const forecaster = new HoltForecaster(settings);
    const pending = new Map<number, { low: number; high: number }>();
    let inside = 0;
    let checked = 0;
    for (let t = 0; t <= 20_000 * SECOND; t += gapMs) {
      const observed = line(t) + 20 * noise();
      const due = pending.get(t);
      if (due) {
        checked += 1;
        if (observed >= due.low && observed <= due.high) inside += 1;
        pending.delete(t);
      }
      forecaster.update(t, observed);
      if (t >= 1000 * SECOND) {
        const forecast = forecaster.forecast(horizonMs);
        if (forecast) pending.set(t + horizonMs, forecast);
      }
    }

    expect(checked).toBeGreaterThan(3000);
    expect(inside / checked).toBeGreaterThan(0.92);
    expect(inside / checked).toBeLessThan(0.98);
  });

  it('keeps a single spike from bending the trend', () => {
    const flat = sampleSeries({
      untilMs: 300 * SECOND,
      shape: () => 200,
      noiseSigma: 10,
      gapMs: 5 * SECOND,
      seed: 3,
    });
    const withSpike = [...flat, [305 * SECOND, 900] as const];
    const robust = fed(withSpike);
    const naive = fed(withSpike, { ...settings, clipAtSigmas: Number.POSITIVE_INFINITY });

    expect(robust.state().trendPerMs).toBeLessThan(naive.state().trendPerMs / 5);
    expect(robust.state().level).toBeLessThan(260);
  });

  it('orders the times to reach a threshold: high edge, point, low edge', () => {
    const forecaster = fed(
      sampleSeries({
        untilMs: 600 * SECOND,
        shape: (t) => 100 + t / SECOND,
        noiseSigma: 15,
        gapMs: 5 * SECOND,
        seed: 5,
      }),
    );
    const { level, trendPerMs } = forecaster.state();
    const earliest = forecaster.timeToReachMs(1000, 'high');
    const eta = forecaster.timeToReachMs(1000, 'value');
    const latest = forecaster.timeToReachMs(1000, 'low');

    expect(eta).toBeCloseTo((1000 - level) / trendPerMs, 6);
    expect(earliest).toBeLessThan(eta as number);
    expect(latest).toBeGreaterThan(eta as number);
    // Each bound is at the threshold at its own time.
    expect(forecaster.forecast(earliest as number)?.high).toBeCloseTo(1000, 6);
    expect(forecaster.forecast(latest as number)?.low).toBeCloseTo(1000, 6);
  });

  it('says a falling series never reaches a threshold above it, and one below it already has', () => {
    const forecaster = fed(
      sampleSeries({ untilMs: 300 * SECOND, shape: (t) => 900 - t / SECOND, gapMs: 5 * SECOND }),
    );

    expect(forecaster.timeToReachMs(1000, 'value')).toBeUndefined();
    expect(forecaster.timeToReachMs(1000, 'low')).toBeUndefined();
    expect(forecaster.timeToReachMs(100, 'value')).toBe(0);
  });

  it('drops points that are out of order, repeated or not finite, changing nothing', () => {
    const forecaster = fed([
      [0, 10],
      [1000, 11],
      [2000, 12],
    ]);
    const before = forecaster.state();

    expect(forecaster.update(1500, 99)).toBe(false);
    expect(forecaster.update(2000, 99)).toBe(false);
    expect(forecaster.update(3000, Number.NaN)).toBe(false);
    expect(forecaster.state()).toEqual(before);
  });

  it('keeps the same fixed state however many points it has seen', () => {
    const forecaster = new HoltForecaster(settings);
    const noise = seededNormal(2);
    forecaster.update(0, 0);
    const keysAtStart = Object.keys(forecaster.state()).sort();
    for (let i = 1; i <= 100_000; i++) forecaster.update(i * SECOND, 100 + noise());

    expect(Object.keys(forecaster.state()).sort()).toEqual(keysAtStart);
    expect(forecaster.state().points).toBe(100_001);
    expect(Object.values(forecaster.state()).every((v) => typeof v === 'number')).toBe(true);
  });

  it('rejects settings that would not smooth', () => {
    expect(() => new HoltForecaster({ ...settings, trendHalfLifeMs: 0 })).toThrow(
      /trendHalfLifeMs/,
    );
    expect(() => new HoltForecaster({ ...settings, clipAtSigmas: 0 })).toThrow(/clipAtSigmas/);
  });
});
