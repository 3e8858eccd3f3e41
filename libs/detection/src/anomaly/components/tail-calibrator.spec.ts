import { createSeededRandom } from '../suite/seeded-random';
import { TailCalibrator } from './tail-calibrator';

/** Feeds `n` draws, then returns the rate at which the next `n` reach each surprise level. */
function exceedanceRates(draw: () => number, levels: number[], n = 100_000) {
  const calibrator = new TailCalibrator(1.64, 0.45, 2000);
  for (let i = 0; i < 5000; i++) calibrator.learn(draw());
  const counts = levels.map(() => 0);
  for (let i = 0; i < n; i++) {
    const x = draw();
    const s = calibrator.surprise(x);
    calibrator.learn(x);
    levels.forEach((level, k) => (counts[k] += s >= level ? 1 : 0));
  }
  return counts.map((c) => c / n);
}

describe('TailCalibrator', () => {
  const random = createSeededRandom(11);

  it('gives surprises that match their tail probabilities on Gaussian |z|', () => {
    // 10^-s is the claim; an exponential far tail errs on the side of fewer alarms.
    const [s1, s2, s3] = exceedanceRates(() => Math.abs(random.normal()), [1, 2, 3]);
    expect(s1).toBeGreaterThan(0.07);
    expect(s1).toBeLessThan(0.13);
    expect(s2).toBeGreaterThan(0.004);
    expect(s2).toBeLessThan(0.015);
    expect(s3).toBeLessThan(0.0015);
  });

  it('learns a heavy tail (a latency with slow windows) instead of alarming on it', () => {
    const latency = () => {
      const slow = random.uniform() < 0.015 ? 1 - 0.6 * Math.log(1 - random.uniform()) : 1;
      return Math.abs(Math.exp(0.08 * random.normal()) * slow - 1) / 0.08;
    };
    const [s3, s4] = exceedanceRates(latency, [3, 4]);
    expect(s3).toBeLessThan(0.003);
    expect(s4).toBeLessThan(0.0004);
  });

  it('calibrates a zero-inflated statistic by its real exceedance rate', () => {
    // 0 at 99.5% of points: the 90th percentile is 0 and only the rare points exceed it.
    const calibrator = new TailCalibrator(1, 0.5, 2000);
    for (let i = 0; i < 20_000; i++)
      calibrator.learn(random.uniform() < 0.005 ? random.uniform() : 0);
    expect(calibrator.surprise(0)).toBe(0);
    expect(calibrator.surprise(0.5)).toBeGreaterThan(2);
  });

  it('is monotone in the statistic', () => {
    const calibrator = new TailCalibrator(1.64, 0.45);
    for (let i = 0; i < 3000; i++) calibrator.learn(Math.abs(random.normal()));
    const xs = Array.from({ length: 200 }, (_, k) => k / 10);
    const ss = xs.map((x) => calibrator.surprise(x));
    ss.slice(1).forEach((s, k) => expect(s).toBeGreaterThanOrEqual(ss[k]));
  });

  it('is not taught by one incident that incidents are normal', () => {
    const calibrator = new TailCalibrator(1.64, 0.45);
    for (let i = 0; i < 3000; i++) calibrator.learn(Math.abs(random.normal()));
    const before = calibrator.surprise(20);
    for (let i = 0; i < 6; i++) calibrator.learn(20);
    for (let i = 0; i < 300; i++) calibrator.learn(Math.abs(random.normal()));
    // Six incident points move the far tail (it sees ~1 exceedance in 100 points), but winsorised
    // learning keeps an incident of the same size rarer than 1 in 3,000. (Learning up to 1 in
    // 10^5 rather than 10^4 lets a real heavy tail in faster and an incident in a little more.)
    expect(before).toBeGreaterThan(8);
    expect(calibrator.surprise(20)).toBeGreaterThan(3.5);
  });

  it('ignores what is not a non-negative number', () => {
    const calibrator = new TailCalibrator(1.64, 0.45);
    const before = calibrator.surprise(3);
    for (const x of [NaN, -1, Infinity]) calibrator.learn(x);
    expect(calibrator.surprise(3)).toBe(before);
    expect(calibrator.surprise(NaN)).toBe(0);
  });
});
