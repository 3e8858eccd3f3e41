import type { Background } from './series-shapes';
import type { SeededRandom } from './seeded-random';
import { floor, min } from '../math';

export type AnomalyKind =
  | 'spike'
  | 'dip'
  | 'level-shift'
  | 'variance'
  | 'trend'
  | 'stuck'
  | 'burst'
  | 'outage'
  | 'missed-batch';

/** A labelled anomaly window: point indices, both ends inclusive. */
export interface LabelledWindow {
  start: number;
  end: number;
  kind?: AnomalyKind;
}

/**
 * Points after an incident's last anomalous point that still count as detecting it (one hour of
 * 5-minute points): the edge back to normal is part of the incident, and an alarm on it is not a
 * false one.
 */
export const AFTER_INCIDENT_POINTS = 12;

/**
 * A permanent change (level shift, end of a ramp) is labelled for this many points from its start
 * plus the tolerance above: two hours in which a good detector flags it, and after which alarms
 * are false ones, since the new level is the new normal.
 */
export const PERMANENT_CHANGE_POINTS = 12;

/** A series being built: anomalies edit the signal and noise, then values are drawn. */
export interface SeriesCanvas {
  timestamps: number[];
  background: Background;
  noiseFactor: Float64Array;
  stuckSpans: Array<[number, number]>;
  windows: LabelledWindow[];
  /** First scored index: incidents are placed after it so each detector has time to learn. */
  firstScored: number;
}

export function createCanvas(
  timestamps: number[],
  background: Background,
  firstScored: number,
): SeriesCanvas {
  return {
    timestamps,
    background,
    noiseFactor: new Float64Array(timestamps.length).fill(1),
    stuckSpans: [],
    windows: [],
    firstScored,
  };
}

export function label(canvas: SeriesCanvas, start: number, end: number, kind: AnomalyKind): void {
  const last = canvas.timestamps.length - 1;
  canvas.windows.push({ start, end: min(last, end + AFTER_INCIDENT_POINTS), kind });
}

/**
 * Picks `count` incident starts, each followed by `length` points and the tolerance, at least
 * `minGap` points apart. Rejection sampling keeps it simple; the fallback spreads them evenly.
 */
export function placeIncidents(
  canvas: SeriesCanvas,
  random: SeededRandom,
  count: number,
  length: number,
  minGap = 288,
): number[] {
  const lo = canvas.firstScored + 24;
  const hi = canvas.timestamps.length - length - AFTER_INCIDENT_POINTS - 2;
  for (let attempt = 0; attempt < 200; attempt++) {
    const starts = Array.from({ length: count }, () => random.integer(lo, hi)).sort(
      (a, b) => a - b,
    );
    if (starts.every((s, k) => k === 0 || s - starts[k - 1] >= minGap + length)) return starts;
  }
  const step = floor((hi - lo) / count);
  return Array.from({ length: count }, (_, k) => lo + k * step + floor(step / 3));
}

export function addSpan(canvas: SeriesCanvas, start: number, end: number, delta: number): void {
  const signal = canvas.background.signal;
  for (let i = start; i <= end && i < signal.length; i++) signal[i] += delta;
}

export function scaleSpan(canvas: SeriesCanvas, start: number, end: number, factor: number): void {
  const signal = canvas.background.signal;
  for (let i = start; i <= end && i < signal.length; i++) signal[i] *= factor;
}

/** A jump from `start` to the end of the series, labelled for the hour it takes to flag it. */
export function shiftLevel(canvas: SeriesCanvas, start: number, change: number): void {
  const end = canvas.timestamps.length - 1;
  if (canvas.background.multiplicative) scaleSpan(canvas, start, end, change);
  else addSpan(canvas, start, end, change);
  label(canvas, start, start + PERMANENT_CHANGE_POINTS, 'level-shift');
}

/**
 * A linear ramp over `length` points to `change` (a factor for multiplicative series). `hold`
 * keeps the new level, as a slow leak that became the norm; otherwise it ends abruptly, as a
 * creeping latency that a restart fixes.
 */
export function ramp(
  canvas: SeriesCanvas,
  start: number,
  length: number,
  change: number,
  hold: boolean,
): void {
  const signal = canvas.background.signal;
  const multiplicative = canvas.background.multiplicative;
  const end = hold ? signal.length - 1 : start + length - 1;
  for (let i = start; i <= end && i < signal.length; i++) {
    const progress = min(1, (i - start + 1) / length);
    if (multiplicative) signal[i] *= 1 + (change - 1) * progress;
    else signal[i] += change * progress;
  }
  label(canvas, start, start + length, 'trend');
}

/** The producer skips `batches` consecutive batches from `start`: those slots only trickle. */
export function missBatches(canvas: SeriesCanvas, start: number, batches: number, trickle: number) {
  const signal = canvas.background.signal;
  let missed = 0;
  let i = start;
  for (; i < signal.length && missed < batches; i++) {
    if (signal[i] > trickle * 1.5) {
      signal[i] = trickle;
      missed++;
    }
  }
  label(canvas, start, i - 1, 'missed-batch');
}

export function scaleNoise(canvas: SeriesCanvas, start: number, end: number, factor: number) {
  for (let i = start; i <= end && i < canvas.noiseFactor.length; i++)
    canvas.noiseFactor[i] *= factor;
  label(canvas, start, end, 'variance');
}

/** The exporter repeats its last value: the series stops changing. */
export function freeze(canvas: SeriesCanvas, start: number, end: number): void {
  canvas.stuckSpans.push([start, end]);
  label(canvas, start, end, 'stuck');
}

/** Draws the values, then applies the frozen spans (which copy an observed value, not a signal). */
export function drawValues(canvas: SeriesCanvas): number[] {
  const { background, noiseFactor } = canvas;
  const values = Array.from(background.signal, (s, i) => background.observe(i, s, noiseFactor[i]));
  for (const [start, end] of canvas.stuckSpans) {
    for (let i = start; i <= end && i < values.length; i++) values[i] = values[start - 1];
  }
  return values;
}
