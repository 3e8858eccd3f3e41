import type { CategoryReference, DriftReference, NumericReference } from '@keelson/schemas';
import { readCategory, readNumber } from './feature-values';
import { countSortedIntoBins, quantileEdges } from './quantile-bins';

export type FeatureKind = 'number' | 'category';

/** One feature's column of training values, as the training rows held them. */
export interface TrainingFeature {
  kind: FeatureKind;
  /** Numbers, numeric text, category names or booleans; null, NaN and blanks are missing. */
  values: ArrayLike<unknown>;
}

/** The model's scores on its holdout rows: column `column` of output `output`. */
export interface HoldoutScores {
  output: string;
  column: number;
  values: ArrayLike<unknown>;
}

export interface DriftReferenceInput {
  /** By the model's raw input name; every column has one value per training row. */
  features: Record<string, TrainingFeature>;
  scores?: HoldoutScores;
}

export interface DriftReferenceOptions {
  /** Quantile bins per numeric feature and for the score, before merging ties (default 10). */
  bins?: number;
  /** Categories kept per categorical feature, the most frequent first (default 50). */
  maxCategories?: number;
}

export const DEFAULT_REFERENCE_BINS = 10;
/** Enough for real categorical features, small enough that a reference travels in one event. */
export const DEFAULT_MAX_CATEGORIES = 50;

/**
 * The training-time distributions of a model version's inputs and holdout scores, to store with
 * the version. Numbers get quantile bins (see `quantileEdges`), categories the shares of their
 * `maxCategories` most frequent values with the rest as `other`; every share is of all rows, so
 * a feature's shares and its `missing` sum to 1. A value of the wrong type for its feature (a
 * word in a numeric column) counts as missing, as the reference format defines.
 *
 * Cost: one pass and one sort per numeric feature, one pass and a map per categorical feature,
 * so 100k+ rows take milliseconds.
 */
export function buildDriftReference(
  input: DriftReferenceInput,
  options: DriftReferenceOptions = {},
): DriftReference {
  const bins = options.bins ?? DEFAULT_REFERENCE_BINS;
  const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`bins must be a positive integer, got ${bins}`);
  }
  if (!Number.isInteger(maxCategories) || maxCategories < 0) {
    throw new RangeError(`maxCategories must be a non-negative integer, got ${maxCategories}`);
  }

  const columns = Object.entries(input.features);
  if (columns.length === 0) throw new RangeError('a drift reference needs at least one feature');
  const rows = columns[0][1].values.length;
  if (rows === 0) throw new RangeError('a drift reference needs at least one training row');

  const features: DriftReference['features'] = {};
  for (const [name, feature] of columns) {
    if (feature.values.length !== rows) {
      throw new RangeError(
        `feature ${name} has ${feature.values.length} values, expected one per row (${rows})`,
      );
    }
    // defineProperty, not assignment: a feature named `__proto__` must stay a feature.
    Object.defineProperty(features, name, {
      value: referenceOf(feature, bins, maxCategories),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }

  const reference: DriftReference = { rows, features };
  if (input.scores) reference.score = scoreReference(input.scores, bins);
  return reference;
}

function referenceOf(feature: TrainingFeature, bins: number, maxCategories: number) {
  switch (feature.kind) {
    case 'number':
      return numericReference(feature.values, bins);
    case 'category':
      return categoryReference(feature.values, maxCategories);
    default:
      throw new RangeError(`unknown feature kind ${String((feature as { kind: unknown }).kind)}`);
  }
}

export function numericReference(values: ArrayLike<unknown>, bins: number): NumericReference {
  const rows = values.length;
  const finite = new Float64Array(rows);
  let present = 0;
  for (let i = 0; i < rows; i++) {
    const value = readNumber(values[i]);
    if (typeof value === 'number') finite[present++] = value;
  }
  // A typed array sorts numerically, without the comparator calls of Array#sort.
  const sorted = finite.subarray(0, present).sort();
  const edges = quantileEdges(sorted, bins);
  const shares = countSortedIntoBins(sorted, edges).map((count) => count / rows);
  return { kind: 'number', edges, shares, missing: (rows - present) / rows };
}

export function categoryReference(
  values: ArrayLike<unknown>,
  maxCategories: number,
): CategoryReference {
  const rows = values.length;
  const counts = new Map<string, number>();
  let missing = 0;
  for (let i = 0; i < rows; i++) {
    const category = readCategory(values[i]);
    if (typeof category === 'string') counts.set(category, (counts.get(category) ?? 0) + 1);
    else missing++;
  }
  // Most frequent first; ties by name so that the same data always gives the same reference.
  const ranked = [...counts].sort(([a, countA], [b, countB]) =>
    countA !== countB ? countB - countA : a < b ? -1 : a > b ? 1 : 0,
  );
  const kept = ranked.slice(0, maxCategories);
  const keptRows = kept.reduce((sum, [, count]) => sum + count, 0);
  return {
    kind: 'category',
    // fromEntries defines own properties, so categories such as `__proto__` survive.
    shares: Object.fromEntries(kept.map(([category, count]) => [category, count / rows])),
    other: (rows - missing - keptRows) / rows,
    missing: missing / rows,
  };
}

function scoreReference(scores: HoldoutScores, bins: number): NonNullable<DriftReference['score']> {
  if (!Number.isInteger(scores.column) || scores.column < 0) {
    throw new RangeError(`score column must be a non-negative integer, got ${scores.column}`);
  }
  if (scores.values.length === 0) throw new RangeError('holdout scores are empty');
  const { edges, shares, missing } = numericReference(scores.values, bins);
  return {
    output: scores.output,
    column: scores.column,
    edges,
    shares,
    missing,
    rows: scores.values.length,
  };
}
