// How a raw value (from training data or from a sampled tensor) is read for binning. The reference
// builder and the window share these rules, so a value lands in the same kind of bin on both sides.

/** No value: null, undefined, NaN, ±Infinity or a blank string. */
export const MISSING = Symbol('missing');
/**
 * A value of the wrong type for its feature (a boolean or a word in a numeric feature, an object
 * anywhere). It is binned as missing, as the reference format defines, but a window counts it
 * apart so that a producer sending the wrong datatype is visible rather than silently absorbed.
 */
export const INVALID = Symbol('invalid');

export type Unreadable = typeof MISSING | typeof INVALID;

/**
 * A plain decimal number, optionally signed, with an exponent. Stricter than `Number()`, which
 * also accepts `0x10`, `0b1` and `Infinity`. Sampled tensors carry 64-bit integers beyond 2^53 as
 * decimal strings, and CSV training data may carry every number as text, so numeric text counts.
 */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

/** A numeric feature's value as a finite number, or why it has none. */
export function readNumber(value: unknown): number | Unreadable {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? value : MISSING;
    case 'string': {
      if (value.trim() === '') return MISSING;
      if (!DECIMAL.test(value)) return INVALID;
      const parsed = Number(value);
      return Number.isFinite(parsed) ? parsed : MISSING;
    }
    case 'bigint':
      return Number(value);
    case 'undefined':
      return MISSING;
    default:
      return value === null ? MISSING : INVALID;
  }
}

/**
 * A categorical feature's value as its category name, or why it has none. Booleans are the
 * categories 'true' and 'false' (a BOOL tensor is a two-category feature: declare it 'category');
 * numbers are named as JavaScript prints them (3 and 3.0 are both '3').
 */
export function readCategory(value: unknown): string | Unreadable {
  switch (typeof value) {
    case 'string':
      return value.trim() === '' ? MISSING : value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return Number.isFinite(value) ? String(value) : MISSING;
    case 'bigint':
      return String(value);
    case 'undefined':
      return MISSING;
    default:
      return value === null ? MISSING : INVALID;
  }
}
