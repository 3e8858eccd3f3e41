import { createCanvas, drawValues, type LabelledWindow } from './anomaly-injection';
import type { ScenarioDefinition, ScenarioFamily } from './scenarios';
import { createBackground, DAY_MS, MINUTE_MS, type BackgroundName } from './series-shapes';
import { createSeededRandom, type SeededRandom } from './seeded-random';
import { imul, round } from '../math';

export interface LabelledSeries {
  name: string;
  family: ScenarioFamily;
  background: BackgroundName;
  seed: number;
  timestamps: number[];
  values: number[];
  windows: LabelledWindow[];
  /** Points before this index are the probation period: learned from, never scored. */
  firstScored: number;
}

export interface ScenarioGenerateOptions {
  /** Days of data per series (default 10). */
  days?: number;
  /** Sampling interval (default 5 minutes). */
  intervalMs?: number;
  /** Days of probation before scoring starts (default 2: a daily profile needs a day or two). */
  probationDays?: number;
}

/** A fixed Monday, so timestamps (and so phases of day) are the same on every run. */
const SUITE_START_MS = Date.UTC(2026, 0, 5);

export function generateAnomalyScenario(
  definition: ScenarioDefinition,
  seed: number,
  options: ScenarioGenerateOptions = {},
): LabelledSeries {
  const intervalMs = options.intervalMs ?? 5 * MINUTE_MS;
  const n = round(((options.days ?? 10) * DAY_MS) / intervalMs);
  const firstScored = round(((options.probationDays ?? 2) * DAY_MS) / intervalMs);
  // One stream per (seed, scenario): adding a scenario does not change the others' data.
  const random = createSeededRandom(hashName(definition.name) ^ imul(seed, 0x9e3779b1));
  const timestamps = Array.from({ length: n }, (_, i) => SUITE_START_MS + i * intervalMs);
  const canvas = createCanvas(
    timestamps,
    createBackground(definition.background, timestamps, random),
    firstScored,
  );
  definition.inject(canvas, random);
  const series: LabelledSeries = {
    name: definition.name,
    family: definition.family,
    background: definition.background,
    seed,
    timestamps,
    values: drawValues(canvas),
    windows: canvas.windows.sort((a, b) => a.start - b.start),
    firstScored,
  };
  return definition.gaps ? dropPoints(series, random) : series;
}

function hashName(name: string): number {
  let h = 2166136261;
  for (let k = 0; k < name.length; k++) h = imul(h ^ name.charCodeAt(k), 16777619);
  return h >>> 0;
}

/**
 * Removes about 1% of points and one two-hour stretch outside the labelled windows, and renumbers
 * the windows: the detector sees irregular timestamps, the labels stay on the same moments.
 */
function dropPoints(series: LabelledSeries, random: SeededRandom): LabelledSeries {
  const n = series.values.length;
  const inWindow = new Uint8Array(n);
  for (const w of series.windows) inWindow.fill(1, w.start, w.end + 1);
  const keep = Array.from(
    { length: n },
    (_, i) => i < series.firstScored || inWindow[i] || random.uniform() >= 0.01,
  );
  const stretch = random.integer(series.firstScored, n - 25);
  for (let i = stretch; i < stretch + 24; i++) if (!inWindow[i]) keep[i] = false;
  const newIndex = new Int32Array(n);
  const timestamps: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    newIndex[i] = timestamps.length;
    if (keep[i]) {
      timestamps.push(series.timestamps[i]);
      values.push(series.values[i]);
    }
  }
  const windows = series.windows.map((w) => ({
    ...w,
    start: newIndex[w.start],
    end: newIndex[w.end],
  }));
  return { ...series, timestamps, values, windows, firstScored: newIndex[series.firstScored] };
}
