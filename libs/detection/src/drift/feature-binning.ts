import type { DriftReference, FeatureReference } from '@keelson/schemas';
import { INVALID, MISSING, readCategory, readNumber } from './feature-values';
import { binIndex } from './quantile-bins';

export type ScoreReference = NonNullable<DriftReference['score']>;

/**
 * One feature's bins as a window counts them, with the reference's shares in the same order:
 * numbers `[...bins, missing]`, categories `[...listed categories, other, missing]`.
 */
export interface FeatureBinning {
  readonly expected: readonly number[];
  /** The bin a value falls in, or INVALID for a value of the wrong type (binned as missing). */
  binOf(value: unknown): number | typeof INVALID;
  readonly missingBin: number;
}

export function featureBinning(name: string, reference: FeatureReference): FeatureBinning {
  return reference.kind === 'number'
    ? numericBinning(name, reference.edges, reference.shares, reference.missing)
    : categoryBinning(reference.shares, reference.other, reference.missing);
}

export function scoreBinning(score: ScoreReference): FeatureBinning {
  return numericBinning('score', score.edges, score.shares, score.missing);
}

function numericBinning(
  name: string,
  edges: readonly number[],
  shares: readonly number[],
  missing: number,
): FeatureBinning {
  if (shares.length !== edges.length + 1) {
    throw new RangeError(
      `reference for ${name} has ${edges.length} edges but ${shares.length} shares`,
    );
  }
  for (let i = 1; i < edges.length; i++) {
    if (!(edges[i] > edges[i - 1])) {
      throw new RangeError(`reference for ${name} has edges that are not strictly ascending`);
    }
  }
  const missingBin = edges.length + 1;
  return {
    expected: [...shares, missing],
    missingBin,
    binOf(value) {
      const number = readNumber(value);
      if (typeof number === 'number') return binIndex(edges, number);
      return number === MISSING ? missingBin : INVALID;
    },
  };
}

function categoryBinning(
  shares: Readonly<Record<string, number>>,
  other: number,
  missing: number,
): FeatureBinning {
  // A Map, not the shares object: a live category named `constructor` must not find
  // Object.prototype's.
  const listed = Object.entries(shares);
  const index = new Map(listed.map(([category], i) => [category, i]));
  const otherBin = listed.length;
  const missingBin = listed.length + 1;
  return {
    expected: [...listed.map(([, share]) => share), other, missing],
    missingBin,
    binOf(value) {
      const category = readCategory(value);
      if (typeof category === 'string') return index.get(category) ?? otherBin;
      return category === MISSING ? missingBin : INVALID;
    },
  };
}
