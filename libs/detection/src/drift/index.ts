// Drift detection: a model version's training distributions (the reference), bounded windows of
// sampled traffic, and PSI verdicts. Pure: no I/O, only `@keelson/schemas` types.
export {
  buildDriftReference,
  DEFAULT_MAX_CATEGORIES,
  DEFAULT_REFERENCE_BINS,
  type DriftReferenceInput,
  type DriftReferenceOptions,
  type FeatureKind,
  type HoldoutScores,
  type TrainingFeature,
} from './build-drift-reference';
export {
  DriftWindow,
  MAX_TRACKED_UNKNOWN_FEATURES,
  type BinCounts,
  type DriftWindowOptions,
} from './drift-window';
export {
  DEFAULT_MIN_DRIFT_SAMPLES,
  DEFAULT_PSI_CRITICAL,
  DEFAULT_PSI_WARNING,
  driftLevel,
  evaluateDrift,
  type DriftEvaluation,
  type DriftEvaluationOptions,
  type DriftLevel,
  type DriftThresholds,
  type DriftVerdict,
  type FeatureDrift,
  type InsufficientDrift,
  type ScoreDrift,
} from './evaluate-drift';
export { binIndex, quantileEdges } from './quantile-bins';
export { DEFAULT_PSI_EPSILON, psi, type PsiOptions } from './psi';
