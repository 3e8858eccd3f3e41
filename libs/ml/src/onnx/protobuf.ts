/**
 * The protocol buffers wire format, as much of it as ONNX needs: varints, length-delimited fields
 * and fixed 32/64-bit values. Hand-written rather than generated: the ONNX subset is small, and a
 * protobuf runtime plus generated code would be a heavy dependency for every service that loads
 * this lib.
 */

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Appends fields to a growing buffer; nested messages are written by a callback. */
export class ProtoWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  /** An int32, int64, uint64, bool or enum field. Negative values take ten bytes, as in protoc. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, utf8.encode(value));
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.rawVarint(value.length);
    this.append(value);
    return this;
  }

  /** A `float` field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.append(bytes);
    return this;
  }

  /** A nested message: `body` writes its fields into a fresh writer. */
  message(field: number, body: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    body(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated varint field; nothing is written for an empty list. */
  packedVarints(field: number, values: ReadonlyArray<number | bigint>): this {
    if (values.length === 0) return this;
    const inner = new ProtoWriter();
    for (const v of values) inner.rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated float field; nothing is written for an empty list. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    return this.bytes(field, littleEndianFloat32(values));
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire);
  }

  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < 2 ** 31) {
      this.reserve(5);
      let v = value;
      while (v > 0x7f) {
        this.buffer[this.length++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      this.buffer[this.length++] = v;
      return;
    }
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`not a safe integer for a varint: ${value}`);
    }
    // Two's complement over 64 bits: -1 becomes ten bytes, as protoc writes negative int64s.
    let v = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (v > 0x7fn) {
      this.buffer[this.length++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buffer[this.length++] = Number(v);
  }

  private append(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + extra));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }
}

export function littleEndianFloat32(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

export function littleEndianFloat64(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  return bytes;
}

export function littleEndianInt64(values: ArrayLike<number | bigint>): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setBigInt64(i * 8, BigInt(values[i]), true);
  return bytes;
}

/** The bytes are not a well-formed protobuf message (or not the ONNX message expected). */
export class ProtoFormatError extends Error {
  override name = 'ProtoFormatError';
}

export type ProtoField =
  | { field: number; wire: typeof WIRE_VARINT; value: bigint }
  | {
      field: number;
      wire: typeof WIRE_LENGTH_DELIMITED | typeof WIRE_FIXED64 | typeof WIRE_FIXED32;
      bytes: Uint8Array;
    };

/**
 * The fields of one message in wire order. Length-delimited values are views into `bytes`, not
 * copies: skipping a model's weights costs nothing. Malformed input throws ProtoFormatError; it
 * never reads out of bounds.
 */
export function* protoFields(bytes: Uint8Array): Generator<ProtoField> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (pos >= bytes.length) throw new ProtoFormatError('truncated varint');
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
    }
    throw new ProtoFormatError('varint longer than ten bytes');
  };
  const take = (n: number): Uint8Array => {
    if (n > bytes.length - pos)
      throw new ProtoFormatError('field runs past the end of its message');
    const view = bytes.subarray(pos, pos + n);
    pos += n;
    return view;
  };
  while (pos < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (field === 0) throw new ProtoFormatError('field number 0');
    if (wire === WIRE_VARINT) yield { field, wire, value: varint() };
    else if (wire === WIRE_LENGTH_DELIMITED) {
      const n = varint();
      if (n > BigInt(bytes.length - pos)) {
        throw new ProtoFormatError('field runs past the end of its message');
      }
      yield { field, wire, bytes: take(Number(n)) };
    } else if (wire === WIRE_FIXED64) yield { field, wire, bytes: take(8) };
    else if (wire === WIRE_FIXED32) yield { field, wire, bytes: take(4) };
    // Groups (wire types 3 and 4) are proto1 relics that ONNX never uses.
    else throw new ProtoFormatError(`unsupported wire type ${wire} (field ${field})`);
  }
}

/** A UTF-8 string field; invalid UTF-8 is a format error rather than replacement characters. */
export function decodeString(bytes: Uint8Array): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw new ProtoFormatError('string field is not valid UTF-8');
  }
}

/** An int64 varint as a JavaScript number (negative values come back negative). */
export function int64Value(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}
