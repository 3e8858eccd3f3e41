/**
 * Share given to a bin that is empty on one side only. 1e-4 is the common choice: small enough
 * that a well-populated window is not distorted, large enough that one new category cannot make
 * PSI explode (a bin going from 1e-4 to 1 % adds 0.046; to 10 % adds 0.69, i.e. critical).
 */
export const DEFAULT_PSI_EPSILON = 1e-4;

export interface PsiOptions {
  /** Share that stands in for a zero share (default {@link DEFAULT_PSI_EPSILON}). */
  epsilon?: number;
}

/**
 * Population Stability Index of `actual` against `expected`: Σ (aᵢ − eᵢ) · ln(aᵢ / eᵢ) over the
 * bins, where eᵢ and aᵢ are shares. Both arguments may be counts or shares: each side is divided
 * by its own total first, so bin counts from a window compare directly with stored shares.
 *
 * Empty bins (the convention that libs/detection/test/psi_reference.py reproduces in numpy):
 * 1. a bin empty on both sides carries no information and is left out;
 * 2. on each side, a zero share is replaced by `epsilon` and that side is renormalised to sum
 *    to 1 (the shares of the other bins shrink by the factor 1 / (1 + zeros · epsilon)).
 * Identical distributions give exactly 0; PSI is never negative.
 */
export function psi(
  expected: readonly number[],
  actual: readonly number[],
  options: PsiOptions = {},
): number {
  const epsilon = options.epsilon ?? DEFAULT_PSI_EPSILON;
  if (!(epsilon > 0 && epsilon < 1)) {
    throw new RangeError(`epsilon must be in (0, 1), got ${epsilon}`);
  }
  if (expected.length !== actual.length) {
    throw new RangeError(
      `expected and actual need the same bins, got ${expected.length} and ${actual.length}`,
    );
  }
  const expectedTotal = total(expected, 'expected');
  const actualTotal = total(actual, 'actual');

  const kept: number[] = [];
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] > 0 || actual[i] > 0) kept.push(i);
  }
  const e = smoothedShares(
    kept.map((i) => expected[i] / expectedTotal),
    epsilon,
  );
  const a = smoothedShares(
    kept.map((i) => actual[i] / actualTotal),
    epsilon,
  );

  let sum = 0;
  for (let j = 0; j < kept.length; j++) sum += (a[j] - e[j]) * Math.log(a[j] / e[j]);
  return sum;
}

function total(weights: readonly number[], side: string): number {
  let sum = 0;
  for (const weight of weights) {
    if (!(weight >= 0 && Number.isFinite(weight))) {
      throw new RangeError(`${side} holds ${weight}: bins must be finite and non-negative`);
    }
    sum += weight;
  }
  if (sum === 0) throw new RangeError(`${side} is empty: PSI needs at least one observation`);
  return sum;
}

function smoothedShares(shares: number[], epsilon: number): number[] {
  if (!shares.includes(0)) return shares;
  const floored = shares.map((share) => (share === 0 ? epsilon : share));
  const sum = floored.reduce((acc, share) => acc + share, 0);
  return floored.map((share) => share / sum);
}
