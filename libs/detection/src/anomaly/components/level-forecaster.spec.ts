import { daily, DAY, FIVE_MINUTES, series } from '../test-support';
import { LevelForecaster } from './level-forecaster';

function run(forecaster: LevelForecaster, s: { timestamps: number[]; values: number[] }) {
  forecaster.enableSeasonality(FIVE_MINUTES);
  return s.values.map((v, i) => forecaster.update(s.timestamps[i], v));
}

describe('LevelForecaster', () => {
  it('switches to the daily profile on a seasonal series once a day is learned', () => {
    const s = series(4 * 288, (_i, ts) => daily(ts, 100, 40), { sigma: 2 });
    const forecasts = run(new LevelForecaster(), s);
    expect(forecasts.slice(0, 288).some((f) => f.seasonal)).toBe(false);
    expect(forecasts.slice(3 * 288).every((f) => f.seasonal)).toBe(true);
    const errors = forecasts.slice(3 * 288).map((f) => Math.abs(f.residual));
    expect(errors.reduce((a, b) => a + b, 0) / errors.length).toBeLessThan(2.5);
  });

  it('stays flat on a series without daily seasonality', () => {
    const forecasts = run(
      new LevelForecaster(),
      series(4 * 288, () => 100, { sigma: 2 }),
    );
    expect(forecasts.some((f) => f.seasonal)).toBe(false);
  });

  it('takes the daily profile for seasonality of the noise alone', () => {
    // A flat mean whose noise is five times larger by day: the profile's per-phase scale wins.
    const s = series(6 * 288, () => 0, { sigma: 1 });
    s.values = s.values.map((v, i) => {
      const hour = ((s.timestamps[i] % DAY) / 3_600_000) | 0;
      return 100 + v * (hour >= 8 && hour < 20 ? 5 : 1);
    });
    const forecasts = run(new LevelForecaster(), s);
    expect(forecasts.slice(5 * 288).filter((f) => f.seasonal).length).toBeGreaterThan(200);
  });

  it('absorbs a level shift on a seasonal series through its offset', () => {
    const s = series(5 * 288, (i, ts) => daily(ts, 100, 40) + (i >= 4 * 288 ? 30 : 0), {
      sigma: 2,
    });
    const forecasts = run(new LevelForecaster(), s);
    const shifted = forecasts.slice(4 * 288, 4 * 288 + 10).findIndex((f) => f.shifted);
    expect(shifted).toBeGreaterThanOrEqual(4);
    expect(shifted).toBeLessThanOrEqual(7);
    const after = forecasts.slice(4 * 288 + 12).map((f) => Math.abs(f.residual / f.scale));
    expect(Math.max(...after)).toBeLessThan(5);
  });
});
