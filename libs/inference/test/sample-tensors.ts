import { DATATYPES, type Tensor } from '../src/protocol/tensor';

/**
 * One tensor of every datatype, with the values that break careless codecs: each type's extremes,
 * 64-bit integers past 2^53, negative zero, subnormals, non-finite floats, empty and non-ASCII
 * strings. `jsonSafe` keeps 64-bit integers within 2^53 (exact as JSON numbers) for JSON clients.
 */
export function sampleTensors(): Tensor[] {
  return [
    { name: 'bool', datatype: 'BOOL', shape: [2, 2], data: new Uint8Array([1, 0, 0, 1]) },
    { name: 'uint8', datatype: 'UINT8', shape: [3], data: new Uint8Array([0, 1, 255]) },
    { name: 'uint16', datatype: 'UINT16', shape: [2], data: new Uint16Array([0, 65535]) },
    { name: 'uint32', datatype: 'UINT32', shape: [2], data: new Uint32Array([0, 4294967295]) },
    {
      name: 'uint64',
      datatype: 'UINT64',
      shape: [3],
      data: new BigUint64Array([0n, 2n ** 53n + 1n, 2n ** 64n - 1n]),
    },
    { name: 'int8', datatype: 'INT8', shape: [3], data: new Int8Array([-128, 0, 127]) },
    { name: 'int16', datatype: 'INT16', shape: [2], data: new Int16Array([-32768, 32767]) },
    {
      name: 'int32',
      datatype: 'INT32',
      shape: [2, 1],
      data: new Int32Array([-2147483648, 2147483647]),
    },
    {
      name: 'int64',
      datatype: 'INT64',
      shape: [2, 2],
      data: new BigInt64Array([-(2n ** 63n), -1n, 2n ** 53n + 1n, 2n ** 63n - 1n]),
    },
    // 0.1 rounded, -2.5, max, min subnormal, -0, +Inf, NaN as half bit patterns.
    {
      name: 'fp16',
      datatype: 'FP16',
      shape: [7],
      data: new Uint16Array([0x2e66, 0xc100, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x7e00]),
    },
    {
      name: 'fp32',
      datatype: 'FP32',
      shape: [2, 3],
      data: new Float32Array([0.1, -1.5, 3.4028234663852886e38, 1e-45, -0, NaN]),
    },
    {
      name: 'fp64',
      datatype: 'FP64',
      shape: [5],
      data: new Float64Array([0.1, -1e300, 5e-324, Infinity, -Infinity]),
    },
    { name: 'bytes', datatype: 'BYTES', shape: [3], data: ['héllo ✓', '', 'plain'] },
  ];
}

/** The same tensors with every 64-bit integer within ±(2^53 − 1). */
export function jsonSafeSampleTensors(): Tensor[] {
  return sampleTensors().map((t) => {
    if (t.datatype === 'INT64')
      return { ...t, data: new BigInt64Array([-(2n ** 53n) + 1n, -1n, 0n, 2n ** 53n - 1n]) };
    if (t.datatype === 'UINT64')
      return { ...t, data: new BigUint64Array([0n, 1n, 2n ** 53n - 1n]) };
    return t;
  });
}

/** Fails unless the samples cover every datatype (so a new datatype cannot go untested). */
export function expectEveryDatatype(tensors: Tensor[]): void {
  const covered = new Set(tensors.map((t) => t.datatype));
  const missing = DATATYPES.filter((d) => !covered.has(d));
  if (missing.length > 0) throw new Error(`samples miss ${missing.join(', ')}`);
}
