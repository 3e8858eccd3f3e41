/**
 * The checks and conversions every transport shares: a datatype name, a shape, and a flat list of
 * element values (JSON numbers/strings/booleans, or gRPC's typed contents) become a Tensor, or an
 * INVALID_ARGUMENT error that names the tensor and the problem.
 */
import { invalid } from './errors';
import { numberToHalf } from './fp16';
import { DATATYPES, elementCount, type Datatype, type Tensor, type TensorData } from './tensor';

/** How error messages name a tensor: `input 'x'` or `output 'y'`. */
export const tensorLabel = (role: 'input' | 'output', name: string): string => `${role} '${name}'`;

/** Bytes per element of the fixed-size datatypes (BYTES elements vary). */
export const ITEM_BYTES: Record<Exclude<Datatype, 'BYTES'>, number> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
};

export const isDatatype = (value: unknown): value is Datatype =>
  typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);

export function parseDatatype(where: string, value: unknown): Datatype {
  if (isDatatype(value)) return value;
  throw invalid(`${where}: datatype ${describe(value)} is not one of ${DATATYPES.join(', ')}`);
}

/**
 * A shape of non-negative integers. gRPC's int64 dims arrive as decimal strings (proto-loader's
 * `longs: String`), JSON's as numbers.
 */
export function parseShape(where: string, value: unknown): number[] {
  if (!Array.isArray(value)) throw invalid(`${where}: shape must be an array of integers`);
  return value.map((dim, i) => {
    const n = typeof dim === 'string' && /^-?\d+$/.test(dim) ? Number(dim) : dim;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw invalid(
        `${where}: shape dimension ${i} is ${describe(dim)}; dimensions must be non-negative integers`,
      );
    }
    return n;
  });
}

export const formatShape = (shape: readonly number[]): string => `[${shape.join(', ')}]`;

/** Fails unless `count` elements fill `shape`. */
export function checkElementCount(where: string, shape: number[], count: number): void {
  const needed = elementCount(shape);
  if (count !== needed) {
    throw invalid(
      `${where}: data has ${count} element${count === 1 ? '' : 's'} but shape ${formatShape(shape)} needs ${needed}`,
    );
  }
}

/** Fails on a repeated tensor name (a model cannot take two values for one input). */
export function checkUniqueNames(role: 'input' | 'output', names: string[]): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw invalid(`${tensorLabel(role, name)} is given more than once`);
    seen.add(name);
  }
}

/** A Tensor from a flat, row-major list of values, after checking their count and types. */
export function tensorFromElements(
  where: string,
  name: string,
  datatype: Datatype,
  shape: number[],
  elements: ArrayLike<unknown>,
): Tensor {
  checkElementCount(where, shape, elements.length);
  return { name, datatype, shape, data: coerceElements(where, datatype, elements) };
}

const INT_RANGES = {
  INT8: [-128, 127, Int8Array],
  INT16: [-32768, 32767, Int16Array],
  INT32: [-2147483648, 2147483647, Int32Array],
  UINT8: [0, 255, Uint8Array],
  UINT16: [0, 65535, Uint16Array],
  UINT32: [0, 4294967295, Uint32Array],
} as const;

const BIGINT_RANGES = {
  INT64: [-(2n ** 63n), 2n ** 63n - 1n],
  UINT64: [0n, 2n ** 64n - 1n],
} as const;

/** JSON has no literal for these; they travel as strings, the way Python's json writes them. */
const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Each value checked against the datatype and stored in the datatype's array type. */
export function coerceElements(
  where: string,
  datatype: Datatype,
  elements: ArrayLike<unknown>,
): TensorData {
  const n = elements.length;
  const wrong = (i: number, expected: string): never => {
    throw invalid(
      `${where}: element ${i} is ${describe(elements[i])}, not ${expected} (datatype ${datatype})`,
    );
  };
  switch (datatype) {
    case 'BOOL': {
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const v = elements[i];
        if (typeof v !== 'boolean') wrong(i, 'a boolean');
        out[i] = v ? 1 : 0;
      }
      return out;
    }
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'UINT8':
    case 'UINT16':
    case 'UINT32': {
      const [min, max, ArrayType] = INT_RANGES[datatype];
      const out = new ArrayType(n);
      for (let i = 0; i < n; i++) {
        const v = elements[i];
        if (typeof v !== 'number' || !Number.isInteger(v)) wrong(i, 'an integer');
        if ((v as number) < min || (v as number) > max) {
          throw invalid(
            `${where}: element ${i} (${v}) is out of range for ${datatype} [${min}, ${max}]`,
          );
        }
        out[i] = v as number;
      }
      return out;
    }
    case 'INT64':
    case 'UINT64': {
      const [min, max] = BIGINT_RANGES[datatype];
      const out = datatype === 'INT64' ? new BigInt64Array(n) : new BigUint64Array(n);
      const pattern = datatype === 'INT64' ? /^-?\d+$/ : /^\d+$/;
      for (let i = 0; i < n; i++) {
        const v = elements[i];
        let big: bigint;
        if (typeof v === 'number' && Number.isSafeInteger(v)) big = BigInt(v);
        else if (typeof v === 'string' && pattern.test(v)) big = BigInt(v);
        else if (typeof v === 'number' && Number.isInteger(v)) {
          throw invalid(
            `${where}: element ${i} (${v}) is beyond JSON's exact integers (2^53); send it as a decimal string (datatype ${datatype})`,
          );
        } else {
          return wrong(i, 'an integer or a decimal string of one');
        }
        if (big < min || big > max) {
          throw invalid(
            `${where}: element ${i} (${v}) is out of range for ${datatype} [${min}, ${max}]`,
          );
        }
        out[i] = big;
      }
      return out;
    }
    case 'FP16':
    case 'FP32':
    case 'FP64': {
      const out =
        datatype === 'FP16'
          ? new Uint16Array(n)
          : datatype === 'FP32'
            ? new Float32Array(n)
            : new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const raw = elements[i];
        const v = typeof raw === 'string' && raw in NON_FINITE ? NON_FINITE[raw] : raw;
        if (typeof v !== 'number') return wrong(i, 'a number');
        const stored = datatype === 'FP16' ? numberToHalf(v) : v;
        out[i] = stored;
        // A finite number that the narrower type can only hold as Infinity is a mistake, not data.
        const overflowed =
          datatype === 'FP16' ? (stored & 0x7fff) === 0x7c00 : !Number.isFinite(out[i]);
        if (overflowed && Number.isFinite(v)) {
          throw invalid(`${where}: element ${i} (${v}) is out of range for ${datatype}`);
        }
      }
      return out;
    }
    case 'BYTES': {
      const out: string[] = new Array(n);
      for (let i = 0; i < n; i++) {
        const v = elements[i];
        if (typeof v === 'string') out[i] = v;
        else if (v instanceof Uint8Array) out[i] = decodeUtf8(where, i, v);
        else wrong(i, 'a string');
      }
      return out;
    }
  }
}

/** BYTES elements must be UTF-8: they become onnxruntime string tensors. */
export function decodeUtf8(where: string, index: number, bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw invalid(`${where}: element ${index} is not valid UTF-8 (BYTES elements must be text)`);
  }
}

/** A value as an error message shows it: short, and never the whole of a large payload. */
export function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  if (value === undefined) return 'missing';
  if (typeof value === 'bigint') return value.toString();
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
