import { Transform, type TransformCallback } from 'node:stream';
import { BSON } from 'mongodb';

// Just enough of the MongoDB wire protocol to tell one command from another and to answer one:
// https://www.mongodb.com/docs/manual/reference/mongodb-wire-protocol/

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

const HEADER_BYTES = 16;
/** OP_MSG flag bits. */
const CHECKSUM_PRESENT = 1 << 0;
const MORE_TO_COME = 1 << 1;
/**
 * Far above the 48 MB `maxMessageSizeBytes` servers announce: a length beyond it means we lost
 * framing (or the peer does not speak the protocol), and guessing further would corrupt the stream.
 */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface MessageHeader {
  messageLength: number;
  requestId: number;
  responseTo: number;
  opCode: number;
}

/** What the proxy needs to know about one whole client message. */
export interface MessageSummary {
  header: MessageHeader;
  /**
   * The command name (the first key of the command document) for OP_MSG and OP_QUERY; undefined
   * for other op codes (OP_COMPRESSED hides it) or when the message cannot be parsed.
   */
  command?: string;
  /** OP_MSG `moreToCome` on a request: the client expects no reply (an unacknowledged w:0 write). */
  expectsReply: boolean;
}

export function readHeader(message: Buffer): MessageHeader {
  return {
    messageLength: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
}

/**
 * Splits the bytes buffered so far into whole messages and the partial one after them (possibly
 * empty). Throws on a length no real message can have.
 */
export function takeMessages(pending: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let offset = 0;
  while (pending.length - offset >= 4) {
    const length = checkedLength(pending.readInt32LE(offset), offset);
    if (pending.length - offset < length) break;
    messages.push(pending.subarray(offset, offset + length));
    offset += length;
  }
  return { messages, rest: pending.subarray(offset) };
}

function checkedLength(length: number, offset: number): number {
  if (length < HEADER_BYTES || length > MAX_MESSAGE_BYTES) {
    throw new Error(`not a MongoDB wire message: length ${length} at byte ${offset}`);
  }
  return length;
}

/**
 * A stream that turns TCP chunks (any split, any number of messages per chunk) into one chunk per
 * whole wire message, so whatever sits downstream can decide message by message and can insert
 * messages of its own between them without cutting one in half.
 */
export class MessageFramer extends Transform {
  private chunks: Buffer[] = [];
  private buffered = 0;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    try {
      // Concatenate only once a whole message is here: a large insert arriving in many small
      // chunks is copied once, not once per chunk.
      while (this.buffered >= (this.nextLength() ?? Infinity)) {
        const { messages, rest } = takeMessages(Buffer.concat(this.chunks, this.buffered));
        for (const message of messages) this.push(message);
        this.chunks = rest.length > 0 ? [rest] : [];
        this.buffered = rest.length;
      }
      done();
    } catch (error) {
      done(error as Error);
    }
  }

  private nextLength(): number | undefined {
    if (this.buffered < 4) return undefined;
    const first = this.chunks[0] as Buffer;
    if (first.length < 4) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return checkedLength((this.chunks[0] as Buffer).readInt32LE(0), 0);
  }
}

/** Reads a message's op code and command name without decoding its documents. */
export function summarize(message: Buffer): MessageSummary {
  const header = readHeader(message);
  try {
    if (header.opCode === OP_MSG) {
      const flagBits = message.readUInt32LE(HEADER_BYTES);
      const body = opMsgBody(message);
      return {
        header,
        command: body ? firstKey(body) : undefined,
        expectsReply: (flagBits & MORE_TO_COME) === 0,
      };
    }
    if (header.opCode === OP_QUERY)
      return { header, command: opQueryCommand(message), expectsReply: true };
  } catch {
    // Malformed: say nothing about the command; the proxy forwards it and the server answers.
  }
  return { header, expectsReply: true };
}

/**
 * The kind-0 section of an OP_MSG (its one command or reply document), or undefined if it has
 * none. Kind-1 sections (document sequences, e.g. the documents of a large insert) are skipped.
 */
export function opMsgBody(message: Buffer): Buffer | undefined {
  const flagBits = message.readUInt32LE(HEADER_BYTES);
  // A CRC-32C, when present, closes the message; it is not a section.
  const end = message.length - ((flagBits & CHECKSUM_PRESENT) !== 0 ? 4 : 0);
  let offset = HEADER_BYTES + 4;
  while (offset < end) {
    const kind = message.readUInt8(offset);
    const size = message.readInt32LE(offset + 1);
    if (size < 5 || offset + 1 + size > end) throw new Error(`bad OP_MSG section size ${size}`);
    if (kind === 0) return message.subarray(offset + 1, offset + 1 + size);
    if (kind !== 1) return undefined;
    offset += 1 + size;
  }
  return undefined;
}

/** OP_QUERY: flags, full collection name (cstring), skip, limit, then the query document. */
function opQueryCommand(message: Buffer): string | undefined {
  const nameEnd = message.indexOf(0, HEADER_BYTES + 4);
  if (nameEnd < 0) return undefined;
  const query = message.subarray(nameEnd + 1 + 8);
  const key = firstKey(query);
  // Old drivers wrap commands sent with a read preference as {$query: {cmd…}, $readPreference}.
  return key === '$query' ? undefined : key;
}

/** A BSON document's first element name: int32 size, then type byte, then the name as a cstring. */
export function firstKey(document: Buffer): string | undefined {
  if (document.length < 5 || document.readUInt8(4) === 0) return undefined;
  const nameEnd = document.indexOf(0, 5);
  if (nameEnd < 0) throw new Error('unterminated BSON element name');
  return document.toString('utf8', 5, nameEnd);
}

export interface CommandError {
  errmsg: string;
  code: number;
  codeName: string;
}

/** A server's "command failed" OP_MSG reply to `requestId`, as a real server would send it. */
export function errorReply(requestId: number, replyId: number, error: CommandError): Buffer {
  const body = BSON.serialize({
    ok: new BSON.Double(0),
    errmsg: error.errmsg,
    code: new BSON.Int32(error.code),
    codeName: error.codeName,
  });
  const header = Buffer.alloc(HEADER_BYTES + 4 + 1);
  header.writeInt32LE(header.length + body.length, 0);
  header.writeInt32LE(replyId, 4);
  header.writeInt32LE(requestId, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, HEADER_BYTES); // flagBits
  header.writeUInt8(0, HEADER_BYTES + 4); // section kind 0
  return Buffer.concat([header, body]);
}
