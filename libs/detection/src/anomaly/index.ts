// Streaming metric anomaly detection: the platform detector, its rolling z-score baseline, the
// NAB-style event evaluator and the labelled suite that compares them (docs/anomaly-detection.md).
export type { AnomalyDetector } from './anomaly-detector';
export { scorePoints } from './anomaly-detector';
export {
  ContextualDetector,
  createAnomalyDetector,
  type AnomalyCause,
  type AnomalyVerdict,
  type ContextualDetectorOptions,
  type OptionalComponent,
} from './contextual-detector';
export { RollingZScore, type RollingZScoreOptions } from './baseline/rolling-zscore';
export {
  DEFAULT_ALARM_COOLDOWN_POINTS,
  scoreAlarmEvents,
  summariseAlarmOutcomes,
  type AlarmEventMetrics,
  type AlarmOutcome,
  type AlarmScoringOptions,
  type AnomalyWindow,
} from './evaluation/event-scoring';
export {
  runDetectorSuite,
  SUITE_DETECTOR_NAMES,
  type DetectorSuiteOptions,
  type DetectorSuiteResult,
  type DetectorSuiteRow,
  type SuiteDetectorName,
} from './suite/run-suite';
export { formatDetectorSuite } from './suite/format-suite';
export {
  generateAnomalyScenario,
  type LabelledSeries,
  type ScenarioGenerateOptions,
} from './suite/generate-series';
export { ANOMALY_SCENARIOS, type ScenarioDefinition, type ScenarioFamily } from './suite/scenarios';
export type { AnomalyKind, LabelledWindow } from './suite/anomaly-injection';
export type { BackgroundName } from './suite/series-shapes';
