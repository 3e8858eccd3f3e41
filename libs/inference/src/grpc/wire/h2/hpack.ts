/**
 * HPACK (RFC 7541), the header compression of HTTP/2: a decoder with its dynamic table, for the
 * requests a server reads, and an encoder that never indexes, for the few fixed header blocks a
 * gRPC server answers with. Socket-free, so unit tests drive it with the RFC's own examples.
 */
import { HUFFMAN_CODES, HUFFMAN_LENGTHS, STATIC_TABLE } from './hpack-tables';

/** A header block that does not decode: the connection cannot go on (COMPRESSION_ERROR). */
export class HpackError extends Error {}

/**
 * A block that decoded, but to a header list over the limit: the table is in step (the whole
 * block was read), so only its stream need fail, not the connection.
 */
export class HeaderListTooLarge extends Error {}

export type HeaderPair = readonly [name: string, value: string];

/** Each entry costs its name and value in octets and 32 more (RFC 7541, section 4.1). */
const ENTRY_OVERHEAD = 32;
const EOS = 256;

/**
 * Huffman decoding as a binary tree in two flat arrays: `tree[2n]` and `tree[2n + 1]` are node
 * n's children for bit 0 and bit 1, a negative child is a leaf holding `-(symbol + 1)`.
 */
const huffmanTree = (() => {
  const tree: number[] = [0, 0];
  for (let symbol = 0; symbol <= EOS; symbol++) {
    let node = 0;
    for (let bit = HUFFMAN_LENGTHS[symbol] - 1; bit >= 0; bit--) {
      const slot = 2 * node + ((HUFFMAN_CODES[symbol] >>> bit) & 1);
      if (bit === 0) {
        tree[slot] = -(symbol + 1);
      } else {
        if (tree[slot] === 0) {
          tree[slot] = tree.length / 2;
          tree.push(0, 0);
        }
        node = tree[slot];
      }
    }
  }
  return Int32Array.from(tree);
})();

export function huffmanDecode(bytes: Uint8Array): Buffer {
  const out: number[] = [];
  let node = 0;
  let depth = 0; // bits read since the last symbol, all of them 1s if they are padding
  let allOnes = true;
  for (const byte of bytes) {
    for (let bit = 7; bit >= 0; bit--) {
      const one = (byte >>> bit) & 1;
      const next = huffmanTree[2 * node + one];
      depth++;
      allOnes &&= one === 1;
      if (next < 0) {
        const symbol = -next - 1;
        if (symbol === EOS) throw new HpackError('a Huffman string holds EOS');
        out.push(symbol);
        node = depth = 0;
        allOnes = true;
      } else {
        node = next;
      }
    }
  }
  // What is left must be the start of EOS: at most 7 bits, all 1s (RFC 7541, section 5.2).
  if (depth > 7 || !allOnes) throw new HpackError('a Huffman string ends with bad padding');
  return Buffer.from(out);
}

/** Reads a header block, front to back. */
class BlockReader {
  at = 0;
  constructor(private readonly block: Buffer) {}

  get more(): boolean {
    return this.at < this.block.length;
  }

  peek(): number {
    return this.block[this.at];
  }

  /** An integer with an N-bit prefix (RFC 7541, section 5.1), at most 2^31 - 1. */
  integer(prefixBits: number): number {
    const max = (1 << prefixBits) - 1;
    let value = this.byte() & max;
    if (value < max) return value;
    for (let shift = 0; ; shift += 7) {
      const byte = this.byte();
      value += (byte & 0x7f) * 2 ** shift;
      if (value > 0x7fffffff) throw new HpackError('an integer past 2^31 - 1');
      if ((byte & 0x80) === 0) return value;
    }
  }

  string(): string {
    const huffman = (this.peek() & 0x80) !== 0;
    const length = this.integer(7);
    if (this.at + length > this.block.length) throw new HpackError('a string past the block');
    const raw = this.block.subarray(this.at, this.at + length);
    this.at += length;
    return (huffman ? huffmanDecode(raw) : raw).toString('latin1');
  }

  private byte(): number {
    if (this.at >= this.block.length) throw new HpackError('the block ends inside a field');
    return this.block[this.at++];
  }
}

/** One connection's decoding context: the dynamic table the peer's encoder fills. */
export class HpackDecoder {
  /** Newest first: index 62 is `table[0]`. */
  private table: HeaderPair[] = [];
  private size = 0;
  private maxSize: number;

  /**
   * `limit` is the SETTINGS_HEADER_TABLE_SIZE this side advertised (4096 by default);
   * `maxListBytes` bounds a decoded block (names, values and 32 a field, as the RFC counts), so a
   * small block of references to large entries cannot expand into megabytes.
   */
  constructor(
    private readonly limit = 4096,
    private readonly maxListBytes = Number.POSITIVE_INFINITY,
  ) {
    this.maxSize = limit;
  }

  decode(block: Buffer): HeaderPair[] {
    const reader = new BlockReader(block);
    const headers: HeaderPair[] = [];
    let listBytes = 0;
    let tooLarge = false;
    while (reader.more) {
      const first = reader.peek();
      let pair: HeaderPair;
      if (first & 0x80) {
        pair = this.entry(reader.integer(7));
      } else if (first & 0x40) {
        pair = this.literal(reader, 6);
        this.add(pair);
      } else if (first & 0x20) {
        // A size update comes before the block's first field (RFC 7541, section 4.2).
        if (headers.length) throw new HpackError('a table size update after a field');
        const size = reader.integer(5);
        if (size > this.limit) throw new HpackError(`a table size over ${this.limit}`);
        this.maxSize = size;
        this.evict(0);
        continue;
      } else {
        pair = this.literal(reader, 4); // without indexing, or never indexed
      }
      listBytes += pair[0].length + pair[1].length + ENTRY_OVERHEAD;
      tooLarge ||= listBytes > this.maxListBytes;
      if (!tooLarge) headers.push(pair); // past the limit, read on only to keep the table
    }
    if (tooLarge) throw new HeaderListTooLarge(`a header list over ${this.maxListBytes} bytes`);
    return headers;
  }

  private literal(reader: BlockReader, prefixBits: number): HeaderPair {
    const index = reader.integer(prefixBits);
    const name = index === 0 ? reader.string() : this.entry(index)[0];
    return [name, reader.string()];
  }

  private entry(index: number): HeaderPair {
    if (index >= 1 && index <= STATIC_TABLE.length) return STATIC_TABLE[index - 1];
    const entry = this.table[index - STATIC_TABLE.length - 1];
    if (!entry) throw new HpackError(`no header at index ${index}`);
    return entry;
  }

  private add(pair: HeaderPair): void {
    const cost = pair[0].length + pair[1].length + ENTRY_OVERHEAD;
    this.evict(cost);
    if (cost > this.maxSize) return; // an entry larger than the table empties it (section 4.4)
    this.table.unshift(pair);
    this.size += cost;
  }

  /** Drops the oldest entries until `room` more octets fit. */
  private evict(room: number): void {
    while (this.table.length && this.size + room > this.maxSize) {
      const old = this.table.pop() as HeaderPair;
      this.size -= old[0].length + old[1].length + ENTRY_OVERHEAD;
    }
  }
}

/** The static table's indexes by "name\0value", and by name (its first entry). */
const STATIC_FIELDS = new Map(STATIC_TABLE.map(([name, value], i) => [`${name}\0${value}`, i + 1]));
const STATIC_NAMES = new Map<string, number>();
STATIC_TABLE.forEach(([name], i) => STATIC_NAMES.has(name) || STATIC_NAMES.set(name, i + 1));

function encodeInteger(out: number[], value: number, prefixBits: number, flags: number): void {
  const max = (1 << prefixBits) - 1;
  if (value < max) {
    out.push(flags | value);
    return;
  }
  out.push(flags | max);
  for (value -= max; value >= 0x80; value = Math.floor(value / 0x80)) {
    out.push((value % 0x80) | 0x80);
  }
  out.push(value);
}

function encodeString(out: number[], text: string): void {
  const bytes = Buffer.from(text, 'latin1');
  encodeInteger(out, bytes.length, 7, 0);
  for (const byte of bytes) out.push(byte);
}

/**
 * A header block that leaves the peer's dynamic table alone: a field of the static table by its
 * index, any other as a literal without indexing (by the static name's index when there is one).
 * Without a table there is no state to keep in step, so a block can be encoded once and sent on
 * every stream of every connection. It opens with a table size update to 0, which is valid
 * whatever SETTINGS_HEADER_TABLE_SIZE the peer sets, and so answers any lowering of it.
 */
export function encodeHeaderBlock(headers: readonly HeaderPair[]): Buffer {
  return encodeFields(headers, [0x20]);
}

/**
 * The same fields without the size update: to follow a block from `encodeHeaderBlock` made once,
 * so a request's fixed headers are encoded once and only its varying ones on each call.
 */
export function encodeHeaderFields(headers: readonly HeaderPair[]): Buffer {
  return encodeFields(headers, []);
}

function encodeFields(headers: readonly HeaderPair[], out: number[]): Buffer {
  for (const [name, value] of headers) {
    const whole = STATIC_FIELDS.get(`${name}\0${value}`);
    if (whole !== undefined) {
      encodeInteger(out, whole, 7, 0x80);
      continue;
    }
    const named = STATIC_NAMES.get(name) ?? 0;
    encodeInteger(out, named, 4, 0); // 0 (no static name) is followed by the name
    if (named === 0) encodeString(out, name);
    encodeString(out, value);
  }
  return Buffer.from(out);
}
