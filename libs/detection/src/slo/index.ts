export {
  DEFAULT_BURN_RATE_RULES,
  burnRateRuleErrors,
  highestSloSeverity,
  type BurnRateRule,
  type SloSeverity,
} from './burn-rate-rules';
export {
  BucketedEventCounter,
  type EventCountResult,
  type EventCounterSettings,
  type EventCounts,
} from './event-counter';
export {
  SloEvaluator,
  type ErrorBudget,
  type RuleEvaluation,
  type SloEvaluation,
  type SloEvaluatorSettings,
  type WindowBurn,
} from './slo-evaluator';
export {
  DEFAULT_MODEL_SLOS,
  parseSloConfig,
  slosForModel,
  type LatencySlo,
  type ModelSlos,
  type SloConfig,
  type SloConfigResult,
} from './slo-config';
