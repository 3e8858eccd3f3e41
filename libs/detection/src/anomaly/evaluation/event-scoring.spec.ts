import { scoreAlarmEvents, summariseAlarmOutcomes } from './event-scoring';

/** Scores with 1 at the given indices and 0 elsewhere. */
const alarmsAt = (n: number, indices: number[]) => {
  const scores = new Array(n).fill(0);
  for (const i of indices) scores[i] = 1;
  return scores;
};

describe('scoreAlarmEvents', () => {
  const windows = [
    { start: 10, end: 19 },
    { start: 50, end: 59 },
  ];

  it('counts a window detected by its first alarm, with the delay from its start', () => {
    const outcome = scoreAlarmEvents(alarmsAt(100, [13, 15, 52]), windows, {
      threshold: 0.5,
      timestamps: Array.from({ length: 100 }, (_, i) => 1000 * i),
    });
    expect(outcome).toEqual({
      windows: 2,
      detected: 2,
      falseAlarms: 0,
      delayPoints: [3, 2],
      delayMs: [3000, 2000],
    });
  });

  it('merges alarms outside windows into one event per cooldown', () => {
    // A storm of 30 alarm points from 70: events open at 70, 82 and 94 with a cooldown of 12.
    const storm = Array.from({ length: 30 }, (_, k) => 70 + k);
    const outcome = scoreAlarmEvents(alarmsAt(120, [12, ...storm, 30]), windows, {
      threshold: 0.5,
    });
    expect(outcome.detected).toBe(1);
    expect(outcome.falseAlarms).toBe(4);
    expect(
      scoreAlarmEvents(alarmsAt(120, storm), windows, { threshold: 0.5, cooldownPoints: 100 })
        .falseAlarms,
    ).toBe(1);
  });

  it('applies the threshold and ignores the probation period', () => {
    const scores = new Array(100).fill(0);
    scores[5] = 0.9; // probation: neither a false alarm nor anything else
    scores[14] = 0.4; // below threshold: window 1 missed
    scores[55] = 0.6;
    const outcome = scoreAlarmEvents(scores, windows, { threshold: 0.5, firstScored: 8 });
    expect(outcome).toMatchObject({ windows: 2, detected: 1, falseAlarms: 0, delayPoints: [5] });
  });

  it('counts an alarm continuing past its window as a false alarm', () => {
    expect(
      scoreAlarmEvents(alarmsAt(100, [18, 19, 20, 21]), windows, { threshold: 0.5 }),
    ).toMatchObject({
      detected: 1,
      falseAlarms: 1,
    });
  });
});

describe('summariseAlarmOutcomes', () => {
  it('pools outcomes into precision, recall, F1 and mean delay', () => {
    const metrics = summariseAlarmOutcomes([
      {
        windows: 4,
        detected: 3,
        falseAlarms: 1,
        delayPoints: [0, 2, 4],
        delayMs: [0, 600_000, 1_200_000],
      },
      { windows: 0, detected: 0, falseAlarms: 2, delayPoints: [], delayMs: [] },
    ]);
    expect(metrics.precision).toBeCloseTo(3 / 6, 12);
    expect(metrics.recall).toBeCloseTo(3 / 4, 12);
    expect(metrics.f1).toBeCloseTo((2 * 0.5 * 0.75) / 1.25, 12);
    expect(metrics.meanDelayPoints).toBe(2);
    expect(metrics.meanDelayMs).toBe(600_000);
    expect(metrics.falseAlarms).toBe(3);
  });

  it('says what is undefined: no alarms, no windows', () => {
    const quiet = summariseAlarmOutcomes([
      { windows: 2, detected: 0, falseAlarms: 0, delayPoints: [], delayMs: [] },
    ]);
    expect(quiet).toMatchObject({ precision: null, recall: 0, f1: 0, meanDelayPoints: null });
    const clean = summariseAlarmOutcomes([
      { windows: 0, detected: 0, falseAlarms: 5, delayPoints: [], delayMs: [] },
    ]);
    expect(clean).toMatchObject({ precision: 0, recall: null, f1: null });
  });
});
