import { scoresOf, series, stateSize } from '../test-support';
import { RollingZScore } from './rolling-zscore';

describe('RollingZScore', () => {
  it('maps |z| against the previous window linearly to [0, 1]', () => {
    const detector = new RollingZScore({ window: 4, minPoints: 4, zMax: 10 });
    for (const v of [1, 2, 3, 4]) expect(detector.update(0, v)).toBe(0);
    // Window 1..4: mean 2.5, population sd sqrt(1.25); 2.5 + 5 sd scores 0.5.
    expect(detector.update(0, 2.5 + 5 * Math.sqrt(1.25))).toBeCloseTo(0.5, 12);
    expect(detector.update(0, 1e9)).toBe(1);
  });

  it('scores a spike high and noise low', () => {
    const s = series(1000, () => 100, { sigma: 2 });
    s.values[800] += 20;
    const scores = scoresOf(new RollingZScore({ window: 100 }), s);
    expect(scores[800]).toBeGreaterThan(0.8);
    expect(Math.max(...scores.slice(100, 800))).toBeLessThan(0.45);
  });

  it('leaves the current point out of its own window', () => {
    const detector = new RollingZScore({ window: 3, minPoints: 3 });
    for (const v of [0, 1, 0]) detector.update(0, v);
    const score = detector.update(0, 100);
    // Against {0, 1, 0} (sd 0.47) 100 is z = 212: saturated. Against a window holding it, it would not be.
    expect(score).toBe(1);
  });

  it('scores a constant window 0 for the same value and 1 for any change', () => {
    const detector = new RollingZScore({ window: 10 });
    for (let i = 0; i < 40; i++) expect(detector.update(i, 5)).toBe(0);
    expect(detector.update(40, 5.001)).toBe(1);
  });

  it('stays precise on large values that barely vary, and skips NaN', () => {
    const s = series(5000, () => 1e9, { sigma: 1 });
    const detector = new RollingZScore({ window: 288 });
    const scores = s.values.map(
      (v, i) => (i % 100 === 0 ? detector.update(0, NaN) : 0) + detector.update(0, v),
    );
    expect(Math.max(...scores.slice(300))).toBeLessThan(0.6);
    expect(scores.every((x) => x >= 0 && x <= 1)).toBe(true);
  });

  it('holds a fixed window', () => {
    const detector = new RollingZScore({ window: 50 });
    scoresOf(
      detector,
      series(100, () => 0),
    );
    const size = stateSize(detector);
    scoresOf(
      detector,
      series(10_000, () => 0),
    );
    expect(stateSize(detector)).toBe(size);
  });
});
