import type { DatasetDefinition } from '@keelson/schemas';
import { stdOf, type DatasetStats, type NumericStats, type CategoryStats } from './feature-stats';

/** A numeric input: missing -> `impute`, then standardised as (x - mean) / scale. */
export interface NumericFeature {
  field: string;
  kind: 'numeric';
  source: 'number' | 'integer' | 'boolean' | 'timestamp';
  impute: number;
  mean: number;
  scale: number;
}

/** A category input: one-hot over `vocabulary`, plus a last slot for unseen or missing values. */
export interface CategoryFeature {
  field: string;
  kind: 'category';
  vocabulary: string[];
}

export type FeatureTransform = NumericFeature | CategoryFeature;

export type LabelTransform =
  | { field: string; kind: 'binary'; positive: string | true }
  | { field: string; kind: 'multiclass'; classes: string[] }
  | { field: string; kind: 'regression' };

/**
 * Everything needed to turn a validated record into a feature row, as plain data. Versioned and
 * stored: feature rows name the version that made them, and training exports the same spec into
 * the ONNX graph, so training and serving cannot drift apart.
 */
export interface TransformSpec {
  dataset: string;
  version: number;
  schemaVersion: number;
  /** Records the statistics had seen when this spec was fitted. */
  fittedOnRecords: number;
  features: FeatureTransform[];
  label: LabelTransform;
  /** One name per output column: `age`, `employment=salaried`, `employment=<unknown>`. */
  featureNames: string[];
}

export interface FitOptions {
  /** Most frequent values kept per category field; rarer ones share the unknown slot. */
  maxCategories?: number;
}

export const UNKNOWN_CATEGORY = '<unknown>';

/** Fits a transform spec to a dataset's statistics. */
export function fitTransform(
  dataset: Pick<DatasetDefinition, 'name' | 'version' | 'fields' | 'label' | 'key'>,
  stats: DatasetStats,
  version: number,
  options: FitOptions = {},
): TransformSpec {
  const maxCategories = options.maxCategories ?? 64;
  const features: FeatureTransform[] = [];
  for (const [field, spec] of Object.entries(dataset.fields)) {
    // The label is the target and the key an identifier: neither is an input.
    if (field === dataset.label || field === dataset.key) continue;
    const s = stats.fields[field];
    if (spec.type === 'category') {
      const counts = (s as CategoryStats | undefined)?.counts ?? {};
      // Declared values come first in their declared order, so a closed vocabulary is stable.
      const ranked = spec.values
        ? spec.values.slice()
        : Object.keys(counts).sort((a, b) => counts[b] - counts[a] || (a < b ? -1 : 1));
      features.push({ field, kind: 'category', vocabulary: ranked.slice(0, maxCategories) });
    } else {
      const n = s as NumericStats | undefined;
      const mean = n && n.count > 0 ? n.mean : 0;
      const std = n ? stdOf(n) : 0;
      features.push({
        field,
        kind: 'numeric',
        source: spec.type,
        impute: mean,
        mean,
        scale: std > 1e-12 ? std : 1,
      });
    }
  }
  return {
    dataset: dataset.name,
    version,
    schemaVersion: dataset.version,
    fittedOnRecords: stats.records,
    features,
    label: labelTransform(dataset, stats),
    featureNames: features.flatMap((f) =>
      f.kind === 'numeric'
        ? [f.field]
        : [...f.vocabulary.map((v) => `${f.field}=${v}`), `${f.field}=${UNKNOWN_CATEGORY}`],
    ),
  };
}

function labelTransform(
  dataset: Pick<DatasetDefinition, 'fields' | 'label'>,
  stats: DatasetStats,
): LabelTransform {
  const spec = dataset.fields[dataset.label];
  if (spec.type === 'boolean') return { field: dataset.label, kind: 'binary', positive: true };
  if (spec.type === 'category') {
    const counts = (stats.fields[dataset.label] as CategoryStats | undefined)?.counts ?? {};
    const classes = (spec.values ?? Object.keys(counts)).slice().sort();
    return classes.length === 2
      ? { field: dataset.label, kind: 'binary', positive: classes[1] }
      : { field: dataset.label, kind: 'multiclass', classes };
  }
  return { field: dataset.label, kind: 'regression' };
}

/**
 * When to fit a new version: the first batch fits version 1, then each time the data seen doubles.
 * Log-spaced refits keep the spec close to the data early on and stable (few versions) later.
 */
export function needsRefit(
  current: Pick<TransformSpec, 'fittedOnRecords'> | undefined,
  records: number,
): boolean {
  return current === undefined || records >= 2 * Math.max(1, current.fittedOnRecords);
}
