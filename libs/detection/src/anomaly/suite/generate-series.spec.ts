import { generateAnomalyScenario } from './generate-series';
import { ANOMALY_SCENARIOS } from './scenarios';
import { createSeededRandom } from './seeded-random';

describe('the labelled suite', () => {
  it('is deterministic: a seed gives the same series on every run', () => {
    const [a, b] = [1, 1].map(() => generateAnomalyScenario(ANOMALY_SCENARIOS[1], 7));
    expect(a).toEqual(b);
    expect(generateAnomalyScenario(ANOMALY_SCENARIOS[1], 8).values).not.toEqual(a.values);
    expect(createSeededRandom(3).uniform()).toBe(createSeededRandom(3).uniform());
  });

  it.each(ANOMALY_SCENARIOS.map((s) => [s.name, s] as const))(
    '%s: labels windows after probation, in order, apart',
    (_name, definition) => {
      const series = generateAnomalyScenario(definition, 1);
      expect(series.values.length).toBe(series.timestamps.length);
      expect(series.values.every(Number.isFinite)).toBe(true);
      expect(series.timestamps.every((t, i) => i === 0 || t > series.timestamps[i - 1])).toBe(true);
      expect(series.windows.length === 0).toBe(definition.family === 'clean');
      series.windows.forEach((w, k) => {
        expect(w.start).toBeGreaterThanOrEqual(series.firstScored);
        expect(w.end).toBeGreaterThanOrEqual(w.start);
        expect(w.end).toBeLessThan(series.values.length);
        if (k > 0) expect(w.start).toBeGreaterThan(series.windows[k - 1].end);
      });
    },
  );

  it('drops points where it says so, keeping the labels on the same moments', () => {
    const definition = ANOMALY_SCENARIOS.find((s) => s.name === 'seasonal-spikes')!;
    const series = generateAnomalyScenario(definition, 2);
    expect(series.values.length).toBeLessThan(10 * 288);
    const gaps = series.timestamps.slice(1).map((t, i) => t - series.timestamps[i]);
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(2 * 3_600_000);
    // Each window still starts at an injected spike: a value far from its neighbours.
    for (const w of series.windows) {
      const v = series.values;
      expect(Math.abs(v[w.start] - (v[w.start - 1] + v[w.start - 3]) / 2)).toBeGreaterThan(10);
    }
  });
});
