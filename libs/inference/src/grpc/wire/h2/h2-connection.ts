/**
 * One HTTP/2 connection (RFC 9113), either side, as much as unary RPCs need: streams of headers,
 * a body and trailers, flow control both ways, settings, pings, GOAWAY. No push, no priorities
 * (ignored, as the RFC allows). The server and client sides (h2-server-connection.ts,
 * h2-client-connection.ts) add who opens streams and how a connection ends.
 *
 * Why not Node's `http2`: it makes a Duplex stream, a headers object and several C++ crossings per
 * stream, and writes a stream's trailers one event-loop turn after its data, so a gRPC answer
 * costs two writes (docs/benchmarks.md). Here every frame an event-loop turn produces, on every
 * stream of the connection, leaves in one write.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import {
  DEFAULT_MAX_FRAME_SIZE,
  DEFAULT_WINDOW_SIZE,
  Flag,
  frame,
  FRAME_HEADER_BYTES,
  FrameType,
  goAwayFrame,
  H2Error,
  headerFrames,
  MAX_WINDOW_SIZE,
  rstStreamFrame,
  Setting,
  settingsFrame,
  windowUpdateFrame,
} from './h2-frames';
import { HeaderListTooLarge, HpackDecoder, HpackError, type HeaderPair } from './hpack';
import type { H2Stream, StreamConnection } from './h2-stream';

/** What this side lets a peer send: a stream's window, the connection's, a header list's size. */
export const STREAM_WINDOW = 1 << 20;
const CONNECTION_WINDOW = 16 << 20;
const MAX_HEADER_LIST_BYTES = 64 << 10;
/** How long a peer may keep its side open after this side has ended the connection. */
const CLOSE_GRACE_MS = 5_000;
/** Up to this many bytes a flush copies its frames into one buffer. */
const COALESCE_BYTES = 256 << 10;
/**
 * Past this many bytes written but not yet taken by the peer, this side stops reading it: a peer
 * that sends pings, settings or requests without reading the answers cannot grow the buffer.
 */
const MAX_UNREAD_OUTPUT = 4 << 20;

/** A protocol violation: the connection ends with GOAWAY and this code. */
export class ConnectionError extends Error {
  constructor(readonly code: number) {
    super(`HTTP/2 error ${code}`);
  }
}

interface PendingHeaders {
  streamId: number;
  endStream: boolean;
  fragments: Buffer[];
  bytes: number;
}

export abstract class H2Connection implements StreamConnection {
  protected readonly streams = new Map<number, H2Stream>();
  private readonly decoder = new HpackDecoder(4096, MAX_HEADER_LIST_BYTES);
  private input: Buffer = Buffer.alloc(0);
  private settingsSeen = false;
  private pendingHeaders?: PendingHeaders;
  /** Set once the connection may open or accept no new stream (GOAWAY either way). */
  protected goingAway = false;
  private ending = false;
  private out: Buffer[] = [];
  private flushScheduled = false;
  private readonly blocked = new Set<H2Stream>();
  /** The peer's settings and the send window it gave the connection. */
  peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  protected peerInitialWindow = DEFAULT_WINDOW_SIZE;
  /**
   * Streams the peer lets this side open at once: 100 until its first SETTINGS (as nghttp2
   * assumes, so a burst of calls on a new connection is not refused), then what they say.
   */
  protected peerMaxConcurrentStreams = 100;
  sendWindow = DEFAULT_WINDOW_SIZE;
  /** What the peer may still send on the connection, and what it sent since the last credit. */
  private receiveWindow = CONNECTION_WINDOW;
  private received = 0;

  constructor(protected readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    socket.on('error', () => undefined); // a broken connection ends in 'close'
    socket.once('close', () => {
      this.goingAway = true;
      for (const stream of [...this.streams.values()]) stream.closeByPeer();
    });
  }

  /**
   * Sends this side's SETTINGS, with `more` of them, and the connection's window (after a
   * client's preface).
   */
  protected greet(more: Array<[number, number]> = []): void {
    this.write(
      settingsFrame([
        [Setting.ENABLE_PUSH, 0],
        [Setting.INITIAL_WINDOW_SIZE, STREAM_WINDOW],
        [Setting.MAX_HEADER_LIST_SIZE, MAX_HEADER_LIST_BYTES],
        ...more,
      ]),
      windowUpdateFrame(0, CONNECTION_WINDOW - DEFAULT_WINDOW_SIZE),
    );
  }

  /**
   * A header block for a stream, as the pairs it decoded to, in order: a new stream, or one
   * already open (its answer, its trailers).
   */
  protected abstract onHeaderBlock(
    streamId: number,
    pairs: readonly HeaderPair[],
    endStream: boolean,
  ): void;

  /** Whether `streamId` was never opened (a frame on it is a protocol error). */
  protected abstract isIdle(streamId: number): boolean;

  /** The peer's GOAWAY: streams past `lastStreamId` were not and will not be processed. */
  protected abstract onGoAway(lastStreamId: number): void;

  /** The peer's SETTINGS have been applied (a client opens the streams it held back). */
  protected onPeerSettings(): void {}

  /** Reads the bytes before the frames (a client's preface); false until they are all in. */
  protected readPrelude(): boolean {
    return true;
  }

  /** Queues frames; whatever one event-loop turn queues leaves in one write. */
  write(...buffers: Buffer[]): void {
    for (const buffer of buffers) this.out.push(buffer);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(this.flush);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const out = this.out;
    this.out = [];
    if (this.socket.destroyed || !this.socket.writable || !out.length) return;
    let bytes = 0;
    for (const buffer of out) bytes += buffer.length;
    // Small frames are copied into one buffer (one write call); large bodies go uncopied.
    if (bytes <= COALESCE_BYTES) {
      this.socket.write(Buffer.concat(out, bytes));
      return this.holdBackIfUnread();
    }
    this.socket.cork();
    for (const buffer of out) this.socket.write(buffer);
    this.socket.uncork();
    this.holdBackIfUnread();
  };

  private holdBackIfUnread(): void {
    if (this.socket.writableLength <= MAX_UNREAD_OUTPUT || this.socket.isPaused()) return;
    this.socket.pause();
    this.socket.once('drain', () => this.socket.resume());
  }

  sendHeaders(streamId: number, block: Buffer, endStream: boolean): void {
    this.write(...headerFrames(streamId, block, endStream, this.peerMaxFrameSize));
  }

  takeWindow(bytes: number): void {
    this.sendWindow -= bytes;
  }

  /** Sends what flow control lets through of `stream`'s body; the rest waits for credit. */
  pump(stream: H2Stream): void {
    this.blocked.delete(stream);
    if (stream.pump() === 'blocked') this.blocked.add(stream);
  }

  /** Nothing to do on either side by default; a server tells a client still sending to stop. */
  ended(_stream: H2Stream): void {}

  forget(stream: H2Stream): void {
    this.streams.delete(stream.id);
    this.blocked.delete(stream);
    if (this.goingAway && !this.streams.size) this.end();
  }

  /** Resets `stream` with `code` (RST_STREAM): neither side sends on it any more. */
  reset(stream: H2Stream, code: number): void {
    this.write(rstStreamFrame(stream.id, code));
    stream.closeByPeer(code);
  }

  /**
   * Ends this side once the frames queued have left, and lets the peer close its own, so it reads
   * a GOAWAY before the socket goes; one that keeps it open is cut off after a grace.
   */
  protected end(): void {
    if (this.ending) return;
    this.ending = true;
    process.nextTick(() => {
      this.flush();
      this.socket.end();
      const grace = setTimeout(() => this.socket.destroy(), CLOSE_GRACE_MS).unref();
      this.socket.once('close', () => clearTimeout(grace));
    });
  }

  /** The connection is over: GOAWAY with `code`, every stream closed, the socket ended. */
  protected fail(code: number, lastStreamId: number): void {
    this.input = Buffer.alloc(0);
    this.socket.removeAllListeners('data');
    this.goingAway = true;
    this.write(goAwayFrame(lastStreamId, code));
    for (const stream of [...this.streams.values()]) stream.closeByPeer();
    this.end();
  }

  /** The last stream this side processed, for a GOAWAY it sends. */
  protected abstract lastProcessed(): number;

  private read(chunk: Buffer): void {
    this.input = this.input.length ? Buffer.concat([this.input, chunk]) : chunk;
    try {
      if (!this.readPrelude()) return;
      let at = 0;
      while (this.input.length - at >= FRAME_HEADER_BYTES) {
        const length = this.input.readUIntBE(at, 3);
        if (length > DEFAULT_MAX_FRAME_SIZE) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR);
        const end = at + FRAME_HEADER_BYTES + length;
        if (this.input.length < end) break;
        const type = this.input[at + 3];
        const flags = this.input[at + 4];
        const streamId = this.input.readUInt32BE(at + 5) & 0x7fffffff;
        this.onFrame(type, flags, streamId, this.input.subarray(at + FRAME_HEADER_BYTES, end));
        at = end;
      }
      this.input = this.input.subarray(at);
    } catch (error) {
      const code =
        error instanceof ConnectionError
          ? error.code
          : error instanceof HpackError
            ? H2Error.COMPRESSION_ERROR
            : H2Error.INTERNAL_ERROR;
      this.fail(code, this.lastProcessed());
    }
  }

  /** Takes the bytes read so far off the front of the input (a preface, once checked). */
  protected consumeInput(bytes: number): void {
    this.input = this.input.subarray(bytes);
  }

  protected peekInput(): Buffer {
    return this.input;
  }

  private onFrame(type: number, flags: number, streamId: number, payload: Buffer): void {
    if (!this.settingsSeen && type !== FrameType.SETTINGS) {
      throw new ConnectionError(H2Error.PROTOCOL_ERROR); // each side's preface ends in SETTINGS
    }
    if (this.pendingHeaders && type !== FrameType.CONTINUATION) {
      throw new ConnectionError(H2Error.PROTOCOL_ERROR);
    }
    switch (type) {
      case FrameType.DATA:
        return this.onData(flags, streamId, payload);
      case FrameType.HEADERS:
        return this.onHeaders(flags, streamId, payload);
      case FrameType.CONTINUATION:
        return this.onContinuation(flags, streamId, payload);
      case FrameType.RST_STREAM:
        if (payload.length !== 4) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR);
        if (streamId === 0 || this.isIdle(streamId)) {
          throw new ConnectionError(H2Error.PROTOCOL_ERROR);
        }
        return this.streams.get(streamId)?.closeByPeer(payload.readUInt32BE(0));
      case FrameType.SETTINGS:
        return this.onSettings(flags, streamId, payload);
      case FrameType.PING:
        if (payload.length !== 8) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR);
        if (streamId !== 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
        if (!(flags & Flag.ACK)) {
          this.write(frame(FrameType.PING, Flag.ACK, 0, Buffer.from(payload)));
        }
        return;
      case FrameType.GOAWAY:
        if (streamId !== 0 || payload.length < 8) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
        return this.onGoAway(payload.readUInt32BE(0) & 0x7fffffff);
      case FrameType.WINDOW_UPDATE:
        return this.onWindowUpdate(streamId, payload);
      case FrameType.PUSH_PROMISE:
        throw new ConnectionError(H2Error.PROTOCOL_ERROR); // push is off (ENABLE_PUSH 0)
      default:
        return; // PRIORITY, and types this side does not know
    }
  }

  private onData(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
    this.receiveWindow -= payload.length;
    if (this.receiveWindow < 0) throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR);
    this.received += payload.length;
    if (this.received >= CONNECTION_WINDOW / 2) {
      this.write(windowUpdateFrame(0, this.received));
      this.receiveWindow += this.received;
      this.received = 0;
    }
    const stream = this.streams.get(streamId);
    if (!stream) {
      if (this.isIdle(streamId)) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
      return; // a stream already ended or reset: its last frames are dropped
    }
    const data = flags & Flag.PADDED ? unpad(payload) : payload;
    const credit = stream.receive(data, payload.length, (flags & Flag.END_STREAM) !== 0);
    if (credit === 'overrun') return this.reset(stream, H2Error.FLOW_CONTROL_ERROR);
    if (credit > 0) this.write(windowUpdateFrame(streamId, credit));
  }

  private onHeaders(flags: number, streamId: number, payload: Buffer): void {
    if (streamId === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
    let fragment = flags & Flag.PADDED ? unpad(payload) : payload;
    if (flags & Flag.PRIORITY) {
      if (fragment.length < 5) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR);
      fragment = fragment.subarray(5);
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (flags & Flag.END_HEADERS) return this.onBlock(streamId, fragment, endStream);
    this.pendingHeaders = { streamId, endStream, fragments: [fragment], bytes: fragment.length };
  }

  private onContinuation(flags: number, streamId: number, payload: Buffer): void {
    const pending = this.pendingHeaders;
    if (!pending || pending.streamId !== streamId) {
      throw new ConnectionError(H2Error.PROTOCOL_ERROR);
    }
    pending.fragments.push(payload);
    // Frame headers count too: empty CONTINUATION frames must not pile up without end.
    pending.bytes += FRAME_HEADER_BYTES + payload.length;
    if (pending.bytes > MAX_HEADER_LIST_BYTES) throw new ConnectionError(H2Error.ENHANCE_YOUR_CALM);
    if (!(flags & Flag.END_HEADERS)) return;
    this.pendingHeaders = undefined;
    this.onBlock(streamId, Buffer.concat(pending.fragments), pending.endStream);
  }

  private onBlock(streamId: number, block: Buffer, endStream: boolean): void {
    // Decoded even when the stream is gone: the peer's table must stay in step.
    let pairs: HeaderPair[];
    try {
      pairs = this.decoder.decode(block);
    } catch (error) {
      if (!(error instanceof HeaderListTooLarge)) throw error;
      return this.refuseHeaders(streamId);
    }
    this.onHeaderBlock(streamId, pairs, endStream);
  }

  /** A header list over the limit fails its stream alone (RST_STREAM ENHANCE_YOUR_CALM). */
  protected refuseHeaders(streamId: number): void {
    const stream = this.streams.get(streamId);
    if (stream) return this.reset(stream, H2Error.ENHANCE_YOUR_CALM);
    if (this.isIdle(streamId)) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
  }

  private onSettings(flags: number, streamId: number, payload: Buffer): void {
    if (streamId !== 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
    if (flags & Flag.ACK) {
      if (payload.length) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR);
      return;
    }
    if (payload.length % 6) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR);
    if (!this.settingsSeen) this.peerMaxConcurrentStreams = Infinity; // unless they set one
    this.settingsSeen = true;
    for (let at = 0; at < payload.length; at += 6) {
      const value = payload.readUInt32BE(at + 2);
      switch (payload.readUInt16BE(at)) {
        case Setting.INITIAL_WINDOW_SIZE:
          if (value > MAX_WINDOW_SIZE) throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR);
          for (const stream of this.streams.values()) {
            stream.sendWindow += value - this.peerInitialWindow;
            if (stream.sendWindow > MAX_WINDOW_SIZE) {
              throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR);
            }
          }
          this.peerInitialWindow = value;
          break;
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME_SIZE || value > 0xffffff) {
            throw new ConnectionError(H2Error.PROTOCOL_ERROR);
          }
          this.peerMaxFrameSize = value;
          break;
        case Setting.ENABLE_PUSH:
          if (value > 1) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
          break;
        case Setting.MAX_CONCURRENT_STREAMS:
          this.peerMaxConcurrentStreams = value;
          break;
        // HEADER_TABLE_SIZE: this side's encoder keeps no table (hpack.ts).
      }
    }
    this.write(frame(FrameType.SETTINGS, Flag.ACK, 0));
    this.unblock();
    this.onPeerSettings();
  }

  private onWindowUpdate(streamId: number, payload: Buffer): void {
    if (payload.length !== 4) throw new ConnectionError(H2Error.FRAME_SIZE_ERROR);
    const increment = payload.readUInt32BE(0) & 0x7fffffff;
    if (streamId === 0) {
      if (increment === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
      this.sendWindow += increment;
      if (this.sendWindow > MAX_WINDOW_SIZE) throw new ConnectionError(H2Error.FLOW_CONTROL_ERROR);
      return this.unblock();
    }
    const stream = this.streams.get(streamId);
    if (!stream) return;
    if (increment === 0) return this.reset(stream, H2Error.PROTOCOL_ERROR);
    stream.sendWindow += increment;
    if (stream.sendWindow > MAX_WINDOW_SIZE) return this.reset(stream, H2Error.FLOW_CONTROL_ERROR);
    if (this.blocked.has(stream)) this.pump(stream);
  }

  private unblock(): void {
    for (const stream of [...this.blocked]) this.pump(stream);
  }
}

/** A padded frame's content: the pad length byte and the padding taken off. */
function unpad(payload: Buffer): Buffer {
  const padding = payload[0];
  if (payload.length === 0 || padding >= payload.length) {
    throw new ConnectionError(H2Error.PROTOCOL_ERROR);
  }
  return payload.subarray(1, payload.length - padding);
}

/** Header pairs as Node presents them: lower-case names, a repeated name's values in an array. */
export function toHeaders(pairs: readonly HeaderPair[]): IncomingHttpHeaders {
  // No prototype, as Node's: a header named `__proto__` or `constructor` is a header like any.
  const headers: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of pairs) {
    const seen = headers[name];
    if (seen === undefined) headers[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else headers[name] = [seen, value];
  }
  return headers;
}
