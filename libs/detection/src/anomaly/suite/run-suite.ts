import { scorePoints, type AnomalyDetector } from '../anomaly-detector';
import { RollingZScore } from '../baseline/rolling-zscore';
import { createAnomalyDetector } from '../contextual-detector';
import {
  DEFAULT_ALARM_COOLDOWN_POINTS,
  evaluatePrepared,
  prepareSeries,
  summariseAlarmOutcomes,
  type AlarmEventMetrics,
  type PreparedSeries,
  type AlarmOutcome,
} from '../evaluation/event-scoring';
import {
  generateAnomalyScenario,
  type ScenarioGenerateOptions,
  type LabelledSeries,
} from './generate-series';
import { ANOMALY_SCENARIOS, type ScenarioDefinition } from './scenarios';
import { abs, floor, max, min } from '../math';

export type SuiteDetectorName = 'keelson' | 'zscore';
export const SUITE_DETECTOR_NAMES: readonly SuiteDetectorName[] = ['keelson', 'zscore'];

export interface DetectorSuiteOptions {
  /** Seeds per split: tuning seeds 1..N choose thresholds, held-out seeds 1001..1000+N are reported (default 3). */
  seeds?: number;
  scenarios?: readonly ScenarioDefinition[];
  /** Candidate thresholds (default 0.01, 0.02, ..., 0.99). */
  thresholds?: readonly number[];
  /** Alarm-event cooldown in points (default 12, one hour of 5-minute points). */
  cooldownPoints?: number;
  /** Rolling windows tried for the baseline, the best chosen with its threshold (default 36, 144, 288). */
  baselineWindows?: readonly number[];
  /** The platform detector under test (default createAnomalyDetector()); injectable for ablations. */
  createDetector?: () => AnomalyDetector;
  generate?: ScenarioGenerateOptions;
}

export interface DetectorSuiteRow {
  group: 'scenario' | 'family' | 'background' | 'overall';
  name: string;
  detector: SuiteDetectorName;
  metrics: AlarmEventMetrics;
}

export interface DetectorSuiteResult {
  /** Held-out figures, each detector at its own threshold chosen on the tuning seeds. */
  rows: DetectorSuiteRow[];
  /**
   * Held-out figures of the baseline at the threshold that matches the platform detector's recall
   * on the tuning seeds (the highest threshold with at least that recall): its false alarms at
   * equal recall, the fair comparison where its own best threshold buys quiet by missing most
   * anomalies (on seasonal series, for one).
   */
  matchedRecall: { threshold: number; rows: DetectorSuiteRow[] };
  thresholds: Record<SuiteDetectorName, number>;
  /** The baseline's rolling window (points) chosen with its threshold. */
  baselineWindow: number;
  /** Pooled tuning-seed figures at the chosen thresholds. */
  tuning: Record<SuiteDetectorName, AlarmEventMetrics>;
  seeds: { tuning: number[]; heldOut: number[] };
  series: number;
  /** Points each detector scored (tuning and held-out, per configuration). */
  points: number;
  cooldownPoints: number;
}

const defaultThresholds = Array.from({ length: 99 }, (_, k) => (k + 1) / 100);

interface Scored {
  series: LabelledSeries;
  prepared: PreparedSeries;
}

function scoreSeries(
  create: () => AnomalyDetector,
  all: LabelledSeries[],
  minScore: number,
): Scored[] {
  return all.map((series) => {
    const scores = scorePoints(create(), series.timestamps, series.values);
    const prepared = prepareSeries(scores, series.windows, {
      firstScored: series.firstScored,
      minScore,
      timestamps: series.timestamps,
    });
    return { series, prepared };
  });
}

/** Best F1; ties go to fewer false alarms, then to the higher threshold. */
function chooseThreshold(scored: Scored[], thresholds: readonly number[], cooldown: number) {
  let best = { threshold: thresholds[0], metrics: null as AlarmEventMetrics | null };
  for (const threshold of thresholds) {
    const metrics = summariseAlarmOutcomes(
      scored.map((s) => evaluatePrepared(s.prepared, threshold, cooldown)),
    );
    const b = best.metrics;
    const f1 = metrics.f1 ?? 0;
    if (
      b === null ||
      f1 > (b.f1 ?? 0) + 1e-12 ||
      (abs(f1 - (b.f1 ?? 0)) <= 1e-12 && metrics.falseAlarms <= b.falseAlarms)
    ) {
      best = { threshold, metrics };
    }
  }
  return best as { threshold: number; metrics: AlarmEventMetrics };
}

function groupRows(
  detector: SuiteDetectorName,
  outcomes: Array<{ series: LabelledSeries; outcome: AlarmOutcome }>,
): DetectorSuiteRow[] {
  const rows: DetectorSuiteRow[] = [];
  const by = (group: DetectorSuiteRow['group'], key: (s: LabelledSeries) => string) => {
    const names = [...new Set(outcomes.map((o) => key(o.series)))];
    for (const name of names) {
      const metrics = summariseAlarmOutcomes(
        outcomes.filter((o) => key(o.series) === name).map((o) => o.outcome),
      );
      rows.push({ group, name, detector, metrics });
    }
  };
  by('scenario', (s) => s.name);
  by('family', (s) => s.family);
  by('background', (s) => s.background);
  by('overall', () => 'all');
  return rows;
}

/**
 * Runs the labelled suite: every scenario on the tuning seeds and on the held-out seeds, for the
 * platform detector and the rolling z-score baseline. Each detector's threshold (and the
 * baseline's window) is the one with the best pooled F1 on the tuning seeds; the figures reported
 * are those on the held-out seeds at that threshold, so neither detector is judged on the data
 * that tuned it. Pure and deterministic: the same options give the same figures.
 */
export function runDetectorSuite(options: DetectorSuiteOptions = {}): DetectorSuiteResult {
  const n = max(1, floor(options.seeds ?? 3));
  const tuningSeeds = Array.from({ length: n }, (_, k) => k + 1);
  const heldOutSeeds = Array.from({ length: n }, (_, k) => 1001 + k);
  const scenarios = options.scenarios ?? ANOMALY_SCENARIOS;
  const thresholds = options.thresholds ?? defaultThresholds;
  const cooldown = options.cooldownPoints ?? DEFAULT_ALARM_COOLDOWN_POINTS;
  const minScore = min(...thresholds);
  const generate = (seeds: number[]) =>
    seeds.flatMap((seed) =>
      scenarios.map((definition) => generateAnomalyScenario(definition, seed, options.generate)),
    );
  const tuning = generate(tuningSeeds);
  const heldOut = generate(heldOutSeeds);
  const pointsOf = (all: LabelledSeries[]) => all.reduce((sum, s) => sum + s.values.length, 0);

  const createKeelson = options.createDetector ?? (() => createAnomalyDetector());
  const keelson = chooseThreshold(
    scoreSeries(createKeelson, tuning, minScore),
    thresholds,
    cooldown,
  );

  const baselineWindows = options.baselineWindows ?? [36, 144, 288];
  let zscore = { threshold: thresholds[0], metrics: null as AlarmEventMetrics | null, window: 0 };
  let zscoreTuning: Scored[] = [];
  for (const window of baselineWindows) {
    const scored = scoreSeries(() => new RollingZScore({ window }), tuning, minScore);
    const choice = chooseThreshold(scored, thresholds, cooldown);
    if (zscore.metrics === null || (choice.metrics.f1 ?? 0) > (zscore.metrics.f1 ?? 0)) {
      zscore = { ...choice, window };
      zscoreTuning = scored;
    }
  }
  const targetRecall = keelson.metrics.recall ?? 0;
  let matchedThreshold = min(...thresholds);
  for (const threshold of thresholds) {
    const outcomes = zscoreTuning.map((s) => evaluatePrepared(s.prepared, threshold, cooldown));
    if ((summariseAlarmOutcomes(outcomes).recall ?? 0) >= targetRecall)
      matchedThreshold = max(matchedThreshold, threshold);
  }

  const heldOutScores = {
    keelson: scoreSeries(createKeelson, heldOut, minScore),
    zscore: scoreSeries(() => new RollingZScore({ window: zscore.window }), heldOut, minScore),
  };
  const evaluate = (detector: SuiteDetectorName, threshold: number) =>
    groupRows(
      detector,
      heldOutScores[detector].map(({ series, prepared }) => ({
        series,
        outcome: evaluatePrepared(prepared, threshold, cooldown),
      })),
    );
  const rows = [...evaluate('keelson', keelson.threshold), ...evaluate('zscore', zscore.threshold)];
  return {
    rows,
    matchedRecall: { threshold: matchedThreshold, rows: evaluate('zscore', matchedThreshold) },
    thresholds: { keelson: keelson.threshold, zscore: zscore.threshold },
    baselineWindow: zscore.window,
    tuning: { keelson: keelson.metrics, zscore: zscore.metrics! },
    seeds: { tuning: tuningSeeds, heldOut: heldOutSeeds },
    series: heldOut.length,
    points: pointsOf(tuning) + pointsOf(heldOut),
    cooldownPoints: cooldown,
  };
}
