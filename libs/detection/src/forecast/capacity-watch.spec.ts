import { CapacityWatch, type CapacityVerdict, type CapacityWatchSettings } from './capacity-watch';
import { sampleSeries, type Point, type SeriesSpec } from './test-series';

const SECOND = 1000;
const LIMIT = 1000;
const HORIZON_MS = 300 * SECOND;
const watchSettings: CapacityWatchSettings = { limit: LIMIT, horizonMs: HORIZON_MS };

interface Run {
  readonly verdicts: readonly (CapacityVerdict & { readonly timestampMs: number })[];
  readonly fired: readonly (CapacityVerdict & { readonly timestampMs: number })[];
  readonly cleared: readonly (CapacityVerdict & { readonly timestampMs: number })[];
}

function watch(points: readonly Point[], settings = watchSettings): Run {
  const capacity = new CapacityWatch(settings);
  const verdicts = points.map(([t, v]) => ({ ...capacity.update(t, v), timestampMs: t }));
  return {
    verdicts,
    fired: verdicts.filter((v) => v.change === 'fired'),
    cleared: verdicts.filter((v) => v.change === 'cleared'),
  };
}

const series = (spec: Partial<SeriesSpec> & Pick<SeriesSpec, 'shape' | 'untilMs'>) =>
  sampleSeries({ noiseSigma: 20, gapMs: 5 * SECOND, ...spec });

/** 200 at t = 0, one unit a second: reaches the limit at 800 s. */
const ramp = (t: number) => 200 + t / SECOND;
const RAMP_CROSSES_AT_MS = 800 * SECOND;

describe('CapacityWatch', () => {
  describe('fires on a ramp towards the limit', () => {
    it.each([1, 2, 3])('well before the limit is reached (seed %s)', (seed) => {
      const run = watch(series({ untilMs: 1000 * SECOND, shape: ramp, seed }));

      expect(run.fired).toHaveLength(1);
      const [alert] = run.fired;
      // More than half the horizon of warning on a 20-unit-noise ramp.
      expect(RAMP_CROSSES_AT_MS - alert.timestampMs).toBeGreaterThanOrEqual(150 * SECOND);
      const remainingMs = RAMP_CROSSES_AT_MS - alert.timestampMs;
      const evidence = alert.evidence!;
      expect(evidence.etaMs).toBeGreaterThan(remainingMs * 0.7);
      expect(evidence.etaMs).toBeLessThan(remainingMs * 1.3);
      expect(evidence.earliestEtaMs).toBeLessThan(evidence.etaMs!);
      expect(evidence.latestEtaMs).toBeLessThanOrEqual(HORIZON_MS);
      expect(evidence.trendPerSecond).toBeCloseTo(1, 0);
    });

    it('with timestamps at irregular intervals', () => {
      const run = watch(
        series({
          untilMs: 1000 * SECOND,
          shape: ramp,
          gapMs: (u) => 2 * SECOND + u * 8 * SECOND,
          seed: 4,
        }),
      );

      expect(run.fired).toHaveLength(1);
      expect(RAMP_CROSSES_AT_MS - run.fired[0].timestampMs).toBeGreaterThanOrEqual(150 * SECOND);
    });

    it('carries forecast points across the horizon as evidence', () => {
      const evidence = watch(series({ untilMs: 1000 * SECOND, shape: ramp, seed: 1 })).fired[0]
        .evidence!;

      expect(evidence).toMatchObject({ limit: LIMIT, horizonMs: HORIZON_MS });
      expect(evidence.points.map((p) => p.afterMs)).toEqual(
        [60, 120, 180, 240, 300].map((s) => s * SECOND),
      );
      for (const point of evidence.points) {
        expect(point.low).toBeLessThan(point.value);
        expect(point.high).toBeGreaterThan(point.value);
      }
      expect(evidence.points[4].low).toBeGreaterThanOrEqual(LIMIT);
    });

    it('keeps its lead in proportion when the timings are minutes, not seconds', () => {
      const MINUTE = 60 * SECOND;
      const run = watch(
        series({
          untilMs: 1000 * MINUTE,
          shape: (t) => 200 + t / MINUTE,
          gapMs: 5 * MINUTE,
          seed: 1,
        }),
        { limit: LIMIT, horizonMs: 300 * MINUTE },
      );
      const inSeconds = watch(series({ untilMs: 1000 * SECOND, shape: ramp, seed: 1 }));

      expect(run.fired[0].timestampMs / MINUTE).toBeCloseTo(
        inSeconds.fired[0].timestampMs / SECOND,
        6,
      );
    });
  });

  describe('stays quiet', () => {
    it('on noise around a flat level far below the limit', () => {
      const run = watch(series({ untilMs: 36_000 * SECOND, shape: () => 500, noiseSigma: 40 }));

      expect(run.fired).toHaveLength(0);
      expect(run.verdicts.every((v) => v.outlook === 'safe' || v.outlook === 'warming-up')).toBe(
        true,
      );
    });

    it('on a spike that decays', () => {
      const spike = (t: number) =>
        200 + (t > 400 * SECOND ? 600 * Math.exp(-(t - 400 * SECOND) / (20 * SECOND)) : 0);
      const run = watch(series({ untilMs: 1000 * SECOND, shape: spike }));

      expect(run.fired).toHaveLength(0);
    });

    it('on a burst that tilts the forecast for a single update', () => {
      const burst = (t: number) => 200 + (t > 400 * SECOND && t < 430 * SECOND ? 700 : 0);
      const run = watch(series({ untilMs: 1000 * SECOND, shape: burst }));

      // The confirmation count is what holds this one back.
      expect(run.verdicts.filter((v) => v.outlook === 'breach-ahead')).toHaveLength(1);
      expect(run.fired).toHaveLength(0);
    });

    it('on a series at the limit that is falling, which is overloaded only until it falls', () => {
      const run = watch(
        series({ untilMs: 1000 * SECOND, shape: (t) => Math.max(100, 1050 - t / SECOND) }),
      );

      expect(run.fired).toHaveLength(0);
      expect(run.verdicts.some((v) => v.overloaded)).toBe(true);
      expect(run.verdicts.at(-1)?.overloaded).toBe(false);
      expect(run.verdicts.at(-1)?.evidence?.etaMs).toBeUndefined();
    });

    it('on a series already above the limit, which it reports as overloaded instead', () => {
      const run = watch(series({ untilMs: 600 * SECOND, shape: () => 1200 }));

      expect(run.fired).toHaveLength(0);
      const afterWarmUp = run.verdicts.filter((v) => v.outlook !== 'warming-up');
      expect(afterWarmUp.every((v) => v.overloaded && v.evidence?.etaMs === 0)).toBe(true);
    });
  });

  describe('hysteresis', () => {
    it('fires only on the update that completes the run of breach-ahead outlooks', () => {
      const run = watch(series({ untilMs: 1000 * SECOND, shape: ramp, seed: 2 }));
      const firedAt = run.verdicts.findIndex((v) => v.change === 'fired');
      const outlooks = run.verdicts.map((v) => v.outlook);

      expect(outlooks.slice(firedAt - 2, firedAt + 1)).toEqual(Array(3).fill('breach-ahead'));
      expect(run.verdicts.slice(0, firedAt).some((v) => v.firing)).toBe(false);
    });

    it('fires sooner with a shorter confirmation and later with a longer one', () => {
      const points = series({ untilMs: 1000 * SECOND, shape: ramp, seed: 2 });
      const firedAt = (fireAfterUpdates: number) =>
        watch(points, { ...watchSettings, fireAfterUpdates }).fired[0].timestampMs;

      expect(firedAt(1)).toBeLessThan(firedAt(3));
      expect(firedAt(3)).toBeLessThan(firedAt(6));
    });

    it('stays raised, without flapping, while the series hovers just under the limit', () => {
      const rampThenHover = (t: number) => Math.min(ramp(t), 975);
      const run = watch(series({ untilMs: 3000 * SECOND, shape: rampThenHover, noiseSigma: 10 }));

      expect(run.fired).toHaveLength(1);
      expect(run.cleared).toHaveLength(0);
      expect(run.verdicts.at(-1)?.firing).toBe(true);
    });

    it('clears once the forecast has stayed safely below for the clearing run', () => {
      const upThenDown = (t: number) =>
        t < 700 * SECOND ? ramp(t) : Math.max(300, 900 - (t - 700 * SECOND) / SECOND);
      const run = watch(series({ untilMs: 2000 * SECOND, shape: upThenDown }));

      expect(run.fired).toHaveLength(1);
      expect(run.cleared).toHaveLength(1);
      const clearedAt = run.verdicts.findIndex((v) => v.change === 'cleared');
      const outlooks = run.verdicts.map((v) => v.outlook);
      expect(outlooks.slice(clearedAt - 4, clearedAt + 1)).toEqual(Array(5).fill('safe'));
      // Cleared within a couple of minutes of the series turning at 700 s.
      expect(run.cleared[0].timestampMs).toBeLessThan(850 * SECOND);
    });
  });

  it('ignores a point out of order and reports nothing new', () => {
    const capacity = new CapacityWatch(watchSettings);
    for (const [t, v] of series({ untilMs: 100 * SECOND, shape: () => 300 })) capacity.update(t, v);
    const late = capacity.update(50 * SECOND, 999);

    expect(late).toMatchObject({ accepted: false, change: 'none', firing: false });
    expect(late.evidence?.observed).not.toBe(999);
  });

  it('waits for enough points before judging', () => {
    const run = watch(series({ untilMs: 100 * SECOND, shape: ramp }), {
      ...watchSettings,
      minPoints: 10,
    });

    expect(run.verdicts.slice(0, 9).every((v) => v.outlook === 'warming-up')).toBe(true);
    expect(run.verdicts[9].outlook).not.toBe('warming-up');
  });

  it('rejects settings it cannot honour', () => {
    expect(() => new CapacityWatch({ ...watchSettings, limit: 0 })).toThrow(/limit/);
    expect(() => new CapacityWatch({ ...watchSettings, horizonMs: -1 })).toThrow(/horizonMs/);
    expect(() => new CapacityWatch({ ...watchSettings, fireAfterUpdates: 1.5 })).toThrow(
      /fireAfterUpdates/,
    );
    expect(() => new CapacityWatch({ ...watchSettings, clearMarginFraction: 1 })).toThrow(
      /clearMarginFraction/,
    );
  });
});
