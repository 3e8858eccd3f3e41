import { holtErrorCovariance, lineErrorVariance } from './holt-error-covariance';
import { seededNormal } from './test-series';

/** Runs Holt's filter on a straight line plus unit noise and measures how far it strays. */
function simulatedSpread(levelWeight: number, trendWeight: number) {
  const noise = seededNormal(21);
  const slope = 3;
  let level = 0;
  let trend = slope;
  const levelErrors: number[] = [];
  const trendErrors: number[] = [];
  for (let step = 1; step <= 200_000; step++) {
    const truth = slope * step;
    const error = truth + noise() - (level + trend);
    const nextLevel = level + trend + levelWeight * error;
    trend += trendWeight * (nextLevel - level - trend);
    level = nextLevel;
    if (step > 1000) {
      levelErrors.push(level - truth);
      trendErrors.push(trend - slope);
    }
  }
  const variance = (xs: number[]) => xs.reduce((sum, x) => sum + x * x, 0) / xs.length;
  return { level: variance(levelErrors), trend: variance(trendErrors) };
}

describe('holtErrorCovariance', () => {
  it.each([
    [0.3, 0.05],
    [0.1, 0.02],
    [0.6, 0.2],
  ])('matches the spread of the filter on a noisy line (α %s, β %s)', (alpha, beta) => {
    const exact = holtErrorCovariance(alpha, beta);
    const simulated = simulatedSpread(alpha, beta);

    expect(exact.level / simulated.level).toBeGreaterThan(0.9);
    expect(exact.level / simulated.level).toBeLessThan(1.1);
    expect(exact.trend / simulated.trend).toBeGreaterThan(0.9);
    expect(exact.trend / simulated.trend).toBeLessThan(1.1);
  });

  it('widens the line error with the horizon', () => {
    const covariance = holtErrorCovariance(0.3, 0.05);

    expect(lineErrorVariance(covariance, 0)).toBeCloseTo(covariance.level, 12);
    expect(lineErrorVariance(covariance, 60)).toBeGreaterThan(lineErrorVariance(covariance, 10));
  });

  it('rejects weights outside (0, 1)', () => {
    expect(() => holtErrorCovariance(0, 0.1)).toThrow(RangeError);
    expect(() => holtErrorCovariance(0.3, 1)).toThrow(RangeError);
  });
});
