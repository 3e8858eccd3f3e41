import { max } from '../math';
/**
 * Event-based scoring in the manner of NAB: what an operator experiences is alarms, not points.
 *
 * - A labelled window counts as detected when at least one alarm point (score >= threshold) falls
 *   inside it; its delay is the first such point minus the window start (in points and in time).
 *   Further alarms inside the same window are neither rewarded nor punished.
 * - Alarm points outside every window are false alarms, grouped into alarm events by a cooldown:
 *   an event opens at an alarm point and takes in every alarm point of the next `cooldownPoints`
 *   points; the first alarm after that opens a new event. A storm of 50 alarm points after a level
 *   shift therefore counts as ceil(50 / cooldown) events, about what an alerting rule with that
 *   cooldown would page, rather than 50 or just one.
 * - Points before `firstScored` (the probation period, while detectors learn) are ignored.
 *
 * Precision = detected windows / (detected windows + false-alarm events); recall = detected windows
 * / windows.
 */
export interface AnomalyWindow {
  /** First index of the window. */
  start: number;
  /** Last index of the window (inclusive). */
  end: number;
}

export interface AlarmScoringOptions {
  threshold: number;
  /** Default 12 points (one hour of 5-minute points). */
  cooldownPoints?: number;
  /** Default 0. */
  firstScored?: number;
}

export interface AlarmOutcome {
  windows: number;
  detected: number;
  falseAlarms: number;
  /** Per detected window, in window order. */
  delayPoints: number[];
  /** Per detected window, when timestamps were given. */
  delayMs: number[];
}

export interface AlarmEventMetrics {
  windows: number;
  detected: number;
  falseAlarms: number;
  /** `null` when there was no alarm at all. */
  precision: number | null;
  /** `null` when there was no window to find. */
  recall: number | null;
  /** `null` when there was no window to find; 0 when windows were all missed. */
  f1: number | null;
  meanDelayPoints: number | null;
  meanDelayMs: number | null;
}

export const DEFAULT_ALARM_COOLDOWN_POINTS = 12;

/**
 * One series' scores reduced to what any threshold needs: the points that could alarm, with the
 * window each falls in. Sweeping many thresholds over a prepared series costs only its candidates.
 */
export interface PreparedSeries {
  windowCount: number;
  windowStarts: number[];
  candidateIndex: Int32Array;
  candidateScore: Float64Array;
  /** Window number of each candidate, -1 outside every window. */
  candidateWindow: Int32Array;
  timestamps?: ArrayLike<number>;
}

export function prepareSeries(
  scores: ArrayLike<number>,
  windows: readonly AnomalyWindow[],
  options: { firstScored?: number; minScore?: number; timestamps?: ArrayLike<number> } = {},
): PreparedSeries {
  const firstScored = options.firstScored ?? 0;
  const minScore = options.minScore ?? Number.MIN_VALUE;
  const sorted = [...windows].sort((a, b) => a.start - b.start);
  const index: number[] = [];
  const score: number[] = [];
  const window: number[] = [];
  let w = 0;
  for (let i = firstScored; i < scores.length; i++) {
    while (w < sorted.length && sorted[w].end < i) w++;
    if (!(scores[i] >= minScore)) continue;
    index.push(i);
    score.push(scores[i]);
    window.push(w < sorted.length && sorted[w].start <= i ? w : -1);
  }
  return {
    windowCount: sorted.filter((x) => x.end >= firstScored).length,
    windowStarts: sorted.map((x) => x.start),
    candidateIndex: Int32Array.from(index),
    candidateScore: Float64Array.from(score),
    candidateWindow: Int32Array.from(window),
    timestamps: options.timestamps,
  };
}

export function evaluatePrepared(
  prepared: PreparedSeries,
  threshold: number,
  cooldownPoints = DEFAULT_ALARM_COOLDOWN_POINTS,
): AlarmOutcome {
  const firstAlarm = new Map<number, number>();
  let falseAlarms = 0;
  let eventEnd = -Infinity;
  const { candidateIndex, candidateScore, candidateWindow, timestamps } = prepared;
  for (let k = 0; k < candidateIndex.length; k++) {
    if (candidateScore[k] < threshold) continue;
    const i = candidateIndex[k];
    const w = candidateWindow[k];
    if (w >= 0) {
      if (!firstAlarm.has(w)) firstAlarm.set(w, i);
    } else if (i >= eventEnd) {
      falseAlarms++;
      eventEnd = i + max(1, cooldownPoints);
    }
  }
  const detected = [...firstAlarm.entries()].sort((a, b) => a[0] - b[0]);
  const starts = prepared.windowStarts;
  return {
    windows: prepared.windowCount,
    detected: detected.length,
    falseAlarms,
    delayPoints: detected.map(([w, i]) => i - starts[w]),
    delayMs: timestamps ? detected.map(([w, i]) => timestamps[i] - timestamps[starts[w]]) : [],
  };
}

/** Scores one series at one threshold (see the module comment for the rules). */
export function scoreAlarmEvents(
  scores: ArrayLike<number>,
  windows: readonly AnomalyWindow[],
  options: AlarmScoringOptions & { timestamps?: ArrayLike<number> },
): AlarmOutcome {
  const prepared = prepareSeries(scores, windows, {
    firstScored: options.firstScored,
    minScore: options.threshold,
    timestamps: options.timestamps,
  });
  return evaluatePrepared(prepared, options.threshold, options.cooldownPoints);
}

const mean = (xs: readonly number[]): number | null =>
  xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;

/** Pools outcomes (several series, seeds) into precision, recall, F1 and mean delay. */
export function summariseAlarmOutcomes(outcomes: readonly AlarmOutcome[]): AlarmEventMetrics {
  let windows = 0;
  let detected = 0;
  let falseAlarms = 0;
  const delayPoints: number[] = [];
  const delayMs: number[] = [];
  for (const o of outcomes) {
    windows += o.windows;
    detected += o.detected;
    falseAlarms += o.falseAlarms;
    delayPoints.push(...o.delayPoints);
    delayMs.push(...o.delayMs);
  }
  const precision = detected + falseAlarms === 0 ? null : detected / (detected + falseAlarms);
  const recall = windows === 0 ? null : detected / windows;
  let f1: number | null = null;
  if (recall !== null) {
    const p = precision ?? 0;
    f1 = p + recall === 0 ? 0 : (2 * p * recall) / (p + recall);
  }
  return {
    windows,
    detected,
    falseAlarms,
    precision,
    recall,
    f1,
    meanDelayPoints: mean(delayPoints),
    meanDelayMs: mean(delayMs),
  };
}
