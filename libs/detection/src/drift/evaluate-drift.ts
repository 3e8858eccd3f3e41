import type { DriftReference } from '@keelson/schemas';
import type { DriftWindow } from './drift-window';
import { featureBinning, scoreBinning } from './feature-binning';
import { psi, type PsiOptions } from './psi';

export type DriftLevel = 'ok' | 'warning' | 'critical';

/**
 * Below ~200 rows, sampling noise alone puts a 10-bin PSI near the warning line (its expected
 * value on identical distributions is about (bins − 1) / rows), so a verdict would be a guess.
 */
export const DEFAULT_MIN_DRIFT_SAMPLES = 200;
/** The industry's usual PSI reading: < 0.1 stable, 0.1–0.25 moderate shift, >= 0.25 major shift. */
export const DEFAULT_PSI_WARNING = 0.1;
export const DEFAULT_PSI_CRITICAL = 0.25;

export interface DriftEvaluationOptions {
  /** Rows a window needs before it is judged (default {@link DEFAULT_MIN_DRIFT_SAMPLES}); the
   * score needs as many scores. */
  minSamples?: number;
  /** PSI at or above which a feature is at warning (default 0.1). */
  warning?: number;
  /** PSI at or above which a feature is critical (default 0.25). */
  critical?: number;
  /** PSI smoothing for empty bins (see `psi`). */
  epsilon?: number;
}

export interface FeatureDrift {
  feature: string;
  psi: number;
  level: DriftLevel;
  /** Share of the window's rows with no usable value (missing, absent or of the wrong type). */
  missingShare: number;
  /** Values of the wrong type for the feature, e.g. text in a numeric input. */
  invalid: number;
}

export type ScoreDrift =
  | { output: string; column: number; samples: number; level: 'insufficient' }
  | { output: string; column: number; samples: number; level: DriftLevel; psi: number };

export interface InsufficientDrift {
  verdict: 'insufficient';
  samples: number;
  minSamples: number;
  startedAt: Date;
}

export interface DriftVerdict {
  /** The worst level among the features and the score. */
  verdict: DriftLevel;
  samples: number;
  startedAt: Date;
  /** Every reference feature, in the reference's order. */
  features: FeatureDrift[];
  /** The features at warning or above, highest PSI first: what `alert.drift` names. */
  drifted: FeatureDrift[];
  /** At least half the features drifted: 2 × drifted >= features, so 3 of 5 (half rounds up). */
  datasetDrift: boolean;
  /** Absent when the reference has no score distribution. */
  score?: ScoreDrift;
  /** Inputs the reference does not list, with their value counts (see `DriftWindow`). */
  unknownFeatures: { byName: Record<string, number>; untracked: number };
}

export type DriftEvaluation = InsufficientDrift | DriftVerdict;

export interface DriftThresholds {
  warning: number;
  critical: number;
}

export function driftLevel(value: number, thresholds: DriftThresholds): DriftLevel {
  if (value >= thresholds.critical) return 'critical';
  if (value >= thresholds.warning) return 'warning';
  return 'ok';
}

/**
 * Compares a window with the reference it was opened on: PSI per feature and for the score, each
 * graded against the thresholds, and dataset drift when at least half the features drift.
 */
export function evaluateDrift(
  reference: DriftReference,
  window: DriftWindow,
  options: DriftEvaluationOptions = {},
): DriftEvaluation {
  const minSamples = options.minSamples ?? DEFAULT_MIN_DRIFT_SAMPLES;
  const thresholds = {
    warning: options.warning ?? DEFAULT_PSI_WARNING,
    critical: options.critical ?? DEFAULT_PSI_CRITICAL,
  };
  if (!Number.isInteger(minSamples) || minSamples < 1) {
    throw new RangeError(`minSamples must be a positive integer, got ${minSamples}`);
  }
  if (!(thresholds.warning > 0 && thresholds.warning <= thresholds.critical)) {
    throw new RangeError(
      `thresholds need 0 < warning <= critical, got ${thresholds.warning}, ${thresholds.critical}`,
    );
  }
  const { samples, startedAt } = window;
  if (samples < minSamples) return { verdict: 'insufficient', samples, minSamples, startedAt };

  const psiOptions: PsiOptions = { epsilon: options.epsilon };
  const features = Object.entries(reference.features).map(([name, feature]): FeatureDrift => {
    const expected = featureBinning(name, feature).expected;
    const observed = window.featureCounts(name);
    if (!observed || observed.counts.length !== expected.length) {
      throw new Error(`the window was not opened on this reference (feature ${name})`);
    }
    const value = psi(expected, observed.counts, psiOptions);
    return {
      feature: name,
      psi: value,
      level: driftLevel(value, thresholds),
      missingShare: observed.counts[observed.counts.length - 1] / samples,
      invalid: observed.invalid,
    };
  });

  const drifted = features
    .filter((feature) => feature.level !== 'ok')
    .sort((a, b) => b.psi - a.psi);
  const score =
    reference.score && scoreDrift(reference.score, window, minSamples, thresholds, psiOptions);
  const levels = features.map((feature) => feature.level);
  if (score && score.level !== 'insufficient') levels.push(score.level);

  const verdict: DriftVerdict = {
    verdict: worst(levels),
    samples,
    startedAt,
    features,
    drifted,
    datasetDrift: features.length > 0 && 2 * drifted.length >= features.length,
    unknownFeatures: window.unknownFeatures(),
  };
  if (score) verdict.score = score;
  return verdict;
}

function scoreDrift(
  reference: NonNullable<DriftReference['score']>,
  window: DriftWindow,
  minSamples: number,
  thresholds: DriftThresholds,
  psiOptions: PsiOptions,
): ScoreDrift {
  const { output, column } = reference;
  const samples = window.scoreSamples;
  if (samples < minSamples) return { output, column, samples, level: 'insufficient' };
  const observed = window.scoreCounts();
  const expected = scoreBinning(reference).expected;
  if (!observed || observed.counts.length !== expected.length) {
    throw new Error('the window was not opened on this reference (score)');
  }
  const value = psi(expected, observed.counts, psiOptions);
  return { output, column, samples, level: driftLevel(value, thresholds), psi: value };
}

const SEVERITY: Record<DriftLevel, number> = { ok: 0, warning: 1, critical: 2 };

function worst(levels: readonly DriftLevel[]): DriftLevel {
  return levels.reduce<DriftLevel>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), 'ok');
}
