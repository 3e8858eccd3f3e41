/**
 * gRPC over HTTP/2, the parts a unary server needs (https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md):
 * length-prefixed messages, the `grpc-timeout` header, and the percent-encoded `grpc-message`.
 * Nest-free and socket-free so unit tests drive it with plain buffers.
 */
import { status } from '@grpc/grpc-js';

/** One message off the wire: its payload, and whether its compressed flag was set. */
export interface WireMessage {
  compressed: boolean;
  payload: Buffer;
}

/** A gRPC failure the server answers with: a status code and its text. */
export class GrpcStatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
  }
}

const PREFIX_BYTES = 5;

/**
 * Collects a request body's chunks into length-prefixed messages. HTTP/2 may split one message
 * over many DATA frames or put several in one; a message over `maxBytes` is refused as soon as its
 * prefix says so, before its bytes are buffered.
 */
export class MessageReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** The length of the message being read, once its prefix has arrived. */
  private length?: number;
  private readonly messages: WireMessage[] = [];

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.length === undefined) {
        if (this.buffered < PREFIX_BYTES) return;
        if (this.chunks[0].length < PREFIX_BYTES) this.join();
        this.length = this.chunks[0].readUInt32BE(1);
        if (this.length > this.maxBytes) {
          throw new GrpcStatusError(
            status.RESOURCE_EXHAUSTED,
            `Received message larger than max (${this.length} vs. ${this.maxBytes})`,
          );
        }
      }
      const end = PREFIX_BYTES + this.length;
      if (this.buffered < end) return; // joined once, when the whole message is here
      const whole = this.chunks.length === 1 ? this.chunks[0] : this.join();
      this.messages.push({
        compressed: whole[0] === 1,
        payload: whole.subarray(PREFIX_BYTES, end),
      });
      const rest = whole.subarray(end);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.length = undefined;
    }
  }

  /** The messages of a finished body; bytes left over mean the body ended inside a message. */
  finish(): WireMessage[] {
    if (this.buffered > 0) {
      throw new GrpcStatusError(status.INTERNAL, 'the request ended inside a message');
    }
    return this.messages;
  }

  private join(): Buffer {
    const whole = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [whole];
    return whole;
  }
}

/** One uncompressed message, prefixed with its flag byte and length. */
export function frameMessage(payload: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(PREFIX_BYTES + payload.length);
  frame[0] = 0;
  frame.writeUInt32BE(payload.length, 1);
  frame.set(payload, PREFIX_BYTES);
  return frame;
}

const TIMEOUT_UNITS_MS: Record<string, number> = {
  H: 3_600_000,
  M: 60_000,
  S: 1_000,
  m: 1,
  u: 1e-3,
  n: 1e-6,
};

/**
 * A `grpc-timeout` value (at most eight digits and a unit: H, M, S, m, u or n) in milliseconds;
 * undefined when absent; a malformed value fails the call with INTERNAL, as grpc-js does.
 */
export function parseGrpcTimeout(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  const match = /^(\d{1,8})([HMSmun])$/.exec(text);
  if (!match) throw new GrpcStatusError(status.INTERNAL, `Invalid grpc-timeout value "${text}"`);
  return Number(match[1]) * TIMEOUT_UNITS_MS[match[2]];
}

/**
 * `grpc-message` carries the status text percent-encoded: every byte of its UTF-8 outside the
 * printable ASCII range, and `%` itself.
 */
export function encodeGrpcMessage(text: string): string {
  if (/^[\x20-\x24\x26-\x7e]*$/.test(text)) return text;
  let encoded = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    encoded +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** The first value of a metadata key (a request header) as a string; `-bin` values stay base64. */
export function metadataValue(
  headers: Record<string, string | string[] | undefined>,
  key: string,
): string | undefined {
  const value = headers[key];
  return Array.isArray(value) ? value[0] : value;
}
