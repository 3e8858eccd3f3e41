export {
  HoltForecaster,
  type HoltForecast,
  type HoltForecasterSettings,
  type HoltState,
} from './holt-forecaster';
export {
  CapacityWatch,
  defaultForecasterSettings,
  type CapacityForecastEvidence,
  type CapacityOutlook,
  type CapacityVerdict,
  type CapacityWatchSettings,
  type CapacityForecastPoint,
} from './capacity-watch';
