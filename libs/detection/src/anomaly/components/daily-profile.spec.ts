import { DailyProfile, DAY_MS } from './daily-profile';

const START = Date.UTC(2026, 0, 5);
const MIN5 = 300_000;
const shape = (ts: number) => 100 + 50 * Math.sin((2 * Math.PI * (ts % DAY_MS)) / DAY_MS);

describe('DailyProfile', () => {
  it('learns a daily shape in one day and interpolates between bins', () => {
    const profile = new DailyProfile(96);
    for (let ts = START; ts < START + DAY_MS; ts += MIN5) {
      expect(profile.complete).toBe(false);
      profile.add(ts, shape(ts), NaN);
    }
    profile.add(START + DAY_MS, shape(START + DAY_MS), NaN); // folds the last bin
    expect(profile.complete).toBe(true);
    for (let ts = START + DAY_MS; ts < START + 2 * DAY_MS; ts += 7 * 60_000) {
      expect(Math.abs(profile.expected(ts) - shape(ts))).toBeLessThan(0.5);
    }
  });

  it('has no expectation for a phase it has not seen', () => {
    const profile = new DailyProfile(48);
    expect(profile.expected(START)).toBeNaN();
    profile.add(START, 5, NaN);
    profile.add(START + 2 * 3_600_000, 6, NaN);
    expect(profile.expected(START)).toBe(5);
    expect(profile.expected(START + 12 * 3_600_000)).toBeNaN();
  });

  it('learns the noise of each phase, pooled over nearby bins', () => {
    const profile = new DailyProfile(96);
    for (let ts = START; ts <= START + 5 * DAY_MS; ts += MIN5) {
      const night = (ts % DAY_MS) / 3_600_000 < 6;
      profile.add(ts, 0, night ? 1 : 4);
    }
    const at = (hour: number) => profile.spreadAt(START + 5 * DAY_MS + hour * 3_600_000, 2.5);
    expect(at(3)).toBeLessThan(1.5);
    expect(at(15)).toBeGreaterThan(3.5);
  });

  it('folds a new day as a running mean, then an EWMA: it follows a changing pattern', () => {
    const profile = new DailyProfile(24);
    const noon = (day: number) => START + day * DAY_MS + 12 * 3_600_000;
    for (let day = 0; day < 12; day++) {
      for (let ts = START + day * DAY_MS; ts < START + (day + 1) * DAY_MS; ts += MIN5) {
        profile.add(ts, day < 6 ? 10 : 20, NaN);
      }
    }
    profile.add(START + 12 * DAY_MS, 20, NaN);
    expect(profile.expected(noon(12))).toBeGreaterThan(18);
  });
});
