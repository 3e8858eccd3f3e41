import type { Datatype, Tensor } from '../../protocol/tensor';

/** Sample data of a datatype, `length` values, distinct per `seed`. */
export function sampleData(datatype: Datatype, length: number, seed: number): Tensor['data'] {
  const n = (i: number) => (seed * 31 + i * 7) % 100;
  switch (datatype) {
    case 'BOOL':
      return Uint8Array.from({ length }, (_, i) => n(i) % 2);
    case 'UINT8':
      return Uint8Array.from({ length }, (_, i) => n(i));
    case 'UINT16':
    case 'FP16':
      // FP16 as raw bits: 0x3c00 + k is 1.0 plus k ulps.
      return Uint16Array.from({ length }, (_, i) => 0x3c00 + n(i));
    case 'UINT32':
      return Uint32Array.from({ length }, (_, i) => n(i) * 1e6);
    case 'UINT64':
      return BigUint64Array.from({ length }, (_, i) => 2n ** 60n + BigInt(n(i)));
    case 'INT8':
      return Int8Array.from({ length }, (_, i) => n(i) - 50);
    case 'INT16':
      return Int16Array.from({ length }, (_, i) => n(i) * -300);
    case 'INT32':
      return Int32Array.from({ length }, (_, i) => n(i) * -1e6);
    case 'INT64':
      return BigInt64Array.from({ length }, (_, i) => -(2n ** 60n) - BigInt(n(i)));
    case 'FP32':
      return Float32Array.from({ length }, (_, i) => n(i) / 8);
    case 'FP64':
      return Float64Array.from({ length }, (_, i) => n(i) / 3);
    case 'BYTES':
      return Array.from({ length }, (_, i) => `s${n(i)}-é`);
  }
}
