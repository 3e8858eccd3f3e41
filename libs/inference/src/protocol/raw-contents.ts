/**
 * gRPC's `raw_input_contents` / `raw_output_contents`: each tensor's elements, flattened row-major,
 * little-endian, with no padding; a BYTES element is a 4-byte little-endian length then its bytes.
 * This is what Triton's clients send by default, and the only way FP16 travels over gRPC.
 */
import { invalid } from './errors';
import { elementCount, type Datatype, type Tensor, type TensorData } from './tensor';
import { decodeUtf8, formatShape, ITEM_BYTES } from './tensor-values';

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses each `size`-byte item in place (only on a big-endian host). */
function swapItems(bytes: Uint8Array, size: number): void {
  if (HOST_IS_LITTLE_ENDIAN || size === 1) return;
  for (let i = 0; i < bytes.length; i += size) bytes.subarray(i, i + size).reverse();
}

/** A tensor's data from its raw bytes, after checking their size against the shape. */
export function decodeRawContents(
  where: string,
  datatype: Datatype,
  shape: number[],
  bytes: Uint8Array,
): TensorData {
  const count = elementCount(shape);
  if (datatype === 'BYTES') return decodeRawBytes(where, shape, count, bytes);
  const size = ITEM_BYTES[datatype];
  if (bytes.length !== count * size) {
    throw invalid(
      `${where}: raw contents hold ${bytes.length} bytes but shape ${formatShape(shape)} of ${datatype} needs ${count * size}`,
    );
  }
  // A copy into a buffer of its own: the views below need alignment, and the message's bytes are
  // often a slice of a pooled buffer (Buffer#slice would not copy, hence the constructor).
  const copy = new Uint8Array(bytes);
  swapItems(copy, size);
  const buffer = copy.buffer;
  switch (datatype) {
    case 'BOOL': {
      const bad = copy.findIndex((b) => b > 1);
      if (bad >= 0) {
        throw invalid(
          `${where}: raw BOOL element ${bad} is ${copy[bad]}; BOOL bytes must be 0 or 1`,
        );
      }
      return copy;
    }
    case 'UINT8':
      return copy;
    case 'INT8':
      return new Int8Array(buffer);
    case 'UINT16':
    case 'FP16':
      return new Uint16Array(buffer);
    case 'INT16':
      return new Int16Array(buffer);
    case 'UINT32':
      return new Uint32Array(buffer);
    case 'INT32':
      return new Int32Array(buffer);
    case 'UINT64':
      return new BigUint64Array(buffer);
    case 'INT64':
      return new BigInt64Array(buffer);
    case 'FP32':
      return new Float32Array(buffer);
    case 'FP64':
      return new Float64Array(buffer);
  }
}

function decodeRawBytes(
  where: string,
  shape: number[],
  count: number,
  bytes: Uint8Array,
): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    if (offset + 4 > bytes.length) {
      throw invalid(`${where}: raw BYTES contents end inside the length of element ${out.length}`);
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.length) {
      throw invalid(
        `${where}: raw BYTES element ${out.length} claims ${length} bytes but only ${bytes.length - offset} remain`,
      );
    }
    out.push(decodeUtf8(where, out.length, bytes.subarray(offset, offset + length)));
    offset += length;
    if (out.length > count) break;
  }
  if (out.length !== count) {
    throw invalid(
      `${where}: raw BYTES contents hold ${out.length}${out.length > count ? '+' : ''} elements but shape ${formatShape(shape)} needs ${count}`,
    );
  }
  return out;
}

/** A tensor's data as raw little-endian bytes. */
export function encodeRawContents(tensor: Tensor): Buffer {
  const { data } = tensor;
  if (Array.isArray(data)) {
    const parts = data.map((s) => Buffer.from(s, 'utf8'));
    const out = Buffer.allocUnsafe(parts.reduce((n, p) => n + 4 + p.length, 0));
    let offset = 0;
    for (const part of parts) {
      offset = out.writeUInt32LE(part.length, offset);
      offset += part.copy(out, offset);
    }
    return out;
  }
  const typed = data as Exclude<TensorData, string[]>;
  const bytes = Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
  if (HOST_IS_LITTLE_ENDIAN) return bytes;
  const copy = Buffer.from(bytes);
  swapItems(copy, typed.BYTES_PER_ELEMENT);
  return copy;
}
