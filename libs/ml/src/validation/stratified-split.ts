import { createRandom, shuffleInPlace, type Random } from '../nn/random';

/** Row indices of one split, ascending. */
export interface Split {
  train: Int32Array;
  test: Int32Array;
}

export interface HoldoutOptions {
  /** Share of each class that goes to `test`, in (0, 1). */
  testFraction: number;
  seed: number;
}

/**
 * Splits rows into train and test so that each class keeps its share on both sides: a 3% minority
 * class is 3% of the test set too, which a plain random split only gets on average. Each class
 * sends round(testFraction x its count) rows to test, so a class with at least two rows is on both
 * sides whenever the fraction allows it.
 */
export function stratifiedHoldout(labels: ArrayLike<number>, options: HoldoutOptions): Split {
  const { testFraction, seed } = options;
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new RangeError(`testFraction must be in (0, 1), got ${testFraction}`);
  }
  const random = createRandom(seed);
  const isTest = new Uint8Array(labels.length);
  let testCount = 0;
  for (const members of shuffledClasses(labels, random)) {
    const take = Math.round(testFraction * members.length);
    for (let k = 0; k < take; k++) isTest[members[k]] = 1;
    testCount += take;
  }
  return partition(isTest, testCount);
}

export interface KFoldOptions {
  folds: number;
  seed: number;
}

/**
 * Stratified k-fold cross-validation: every row is in exactly one test fold, and each class is
 * spread as evenly over the folds as its count allows. Classes are dealt round-robin, continuing
 * where the previous class stopped, so fold sizes differ by at most one row overall.
 */
export function stratifiedKFold(labels: ArrayLike<number>, options: KFoldOptions): Split[] {
  const { folds, seed } = options;
  if (!Number.isInteger(folds) || folds < 2 || folds > labels.length) {
    throw new RangeError(`folds must be an integer in [2, ${labels.length}], got ${folds}`);
  }
  const random = createRandom(seed);
  const foldOf = new Int32Array(labels.length);
  const sizes = new Array<number>(folds).fill(0);
  let dealt = 0;
  for (const members of shuffledClasses(labels, random)) {
    for (const row of members) {
      const fold = dealt++ % folds;
      foldOf[row] = fold;
      sizes[fold]++;
    }
  }
  return sizes.map((size, fold) => {
    const isTest = new Uint8Array(labels.length);
    for (let r = 0; r < labels.length; r++) if (foldOf[r] === fold) isTest[r] = 1;
    return partition(isTest, size);
  });
}

/** The rows of each class (in class order, so the result is the same for the same seed), shuffled. */
function shuffledClasses(labels: ArrayLike<number>, random: Random): Int32Array[] {
  const counts: number[] = [];
  for (let r = 0; r < labels.length; r++) {
    const c = labels[r];
    if (!Number.isInteger(c) || c < 0) {
      throw new RangeError(`label ${c} at row ${r} is not a class index`);
    }
    counts[c] = (counts[c] ?? 0) + 1;
  }
  const members = Array.from(counts, (n) => new Int32Array(n ?? 0));
  const filled = new Array<number>(members.length).fill(0);
  for (let r = 0; r < labels.length; r++) members[labels[r]][filled[labels[r]]++] = r;
  for (const m of members) shuffleInPlace(m, random);
  return members;
}

function partition(isTest: Uint8Array, testCount: number): Split {
  const train = new Int32Array(isTest.length - testCount);
  const test = new Int32Array(testCount);
  let a = 0;
  let b = 0;
  for (let r = 0; r < isTest.length; r++) {
    if (isTest[r]) test[b++] = r;
    else train[a++] = r;
  }
  return { train, test };
}

/**
 * The rows at `indices` of a row-major [rows x width] matrix, as a new [indices x width] one of
 * the same type (features are Float64Array, class labels Float64Array or Int32Array).
 */
export function takeRows(values: Float64Array, width: number, indices: Int32Array): Float64Array;
export function takeRows(values: Int32Array, width: number, indices: Int32Array): Int32Array;
export function takeRows(
  values: Float64Array | Int32Array,
  width: number,
  indices: Int32Array,
): Float64Array | Int32Array;
export function takeRows(
  values: Float64Array | Int32Array,
  width: number,
  indices: Int32Array,
): Float64Array | Int32Array {
  const out =
    values instanceof Int32Array
      ? new Int32Array(indices.length * width)
      : new Float64Array(indices.length * width);
  for (let k = 0; k < indices.length; k++) {
    const from = indices[k] * width;
    out.set(values.subarray(from, from + width), k * width);
  }
  return out;
}
