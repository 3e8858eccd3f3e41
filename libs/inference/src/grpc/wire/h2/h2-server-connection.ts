/**
 * The server side of an HTTP/2 connection (h2-connection.ts): the client's preface, streams the
 * client opens, each answered once, and a graceful GOAWAY.
 *
 * What one client can make the server do is bounded (docs/inference-protocol.md): at most
 * `maxConcurrentStreams` streams in service, where a stream the client reset stays in service
 * until the application lets it go, so resetting streams as fast as they open ("rapid reset",
 * CVE-2023-44487) starts no more work than the limit; a client that keeps opening streams past
 * the limit is refused each one (REFUSED_STREAM) and, past a budget, the connection
 * (ENHANCE_YOUR_CALM); and a connection that does not send its preface in time is dropped.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import { ConnectionError, H2Connection, STREAM_WINDOW, toHeaders } from './h2-connection';
import { CLIENT_PREFACE, goAwayFrame, H2Error, rstStreamFrame, Setting } from './h2-frames';
import { requestHeaderProblem, trailerProblem } from './h2-header-rules';
import { H2Stream } from './h2-stream';
import type { HeaderPair } from './hpack';

export interface H2ServerLimits {
  /** Streams one client may have in service at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  /** How long a new connection has to send the client preface before it is dropped. */
  prefaceTimeoutMs: number;
}

export const DEFAULT_SERVER_LIMITS: H2ServerLimits = {
  maxConcurrentStreams: 1_000,
  prefaceTimeoutMs: 10_000,
};

/**
 * Streams a client may open past the limit before the connection ends: a burst, then so many a
 * second. A client that respects the SETTINGS is refused none, bar the streams it sent before
 * it read them.
 */
const REFUSALS_BURST = 1_000;
const REFUSALS_PER_SECOND = 100;

/**
 * A request stream: the client's headers, then its body through the stream's callbacks. It
 * holds its place under the connection's stream limit until it is closed and the application has
 * let it go (`release`), whichever comes last.
 */
export class H2ServerStream extends H2Stream {
  private released = false;

  constructor(
    private readonly server: H2ServerConnection,
    id: number,
    readonly headers: IncomingHttpHeaders,
    sendWindow: number,
    /** The client's headers ended its side: it sends no body. */
    readonly endedWithHeaders: boolean,
  ) {
    super(server, id, sendWindow, STREAM_WINDOW);
  }

  /** The answer: headers alone end the stream; or headers, a body and trailers. */
  respond(headers: Buffer, body?: Buffer, trailers?: Buffer): void {
    this.send(headers, body, trailers);
  }

  /** The application is done with the stream (answered, or gave up once the client reset it). */
  release(): void {
    if (this.released) return;
    this.released = true;
    if (this.closed) this.server.freeSlot();
  }

  get isReleased(): boolean {
    return this.released;
  }
}

export class H2ServerConnection extends H2Connection {
  private prefaceSeen = false;
  private lastStreamId = 0;
  /** Streams opened and not yet both closed and released. */
  private inService = 0;
  private refusals = REFUSALS_BURST;
  private refusalsCountedAt = performance.now();
  private readonly prefaceTimer: NodeJS.Timeout;

  constructor(
    socket: Socket,
    private readonly onStream: (stream: H2ServerStream) => void,
    private readonly limits: H2ServerLimits = DEFAULT_SERVER_LIMITS,
  ) {
    super(socket);
    this.greet([[Setting.MAX_CONCURRENT_STREAMS, limits.maxConcurrentStreams]]);
    this.prefaceTimer = setTimeout(() => socket.destroy(), limits.prefaceTimeoutMs).unref();
    socket.once('close', () => clearTimeout(this.prefaceTimer));
  }

  /** A released stream has closed, or a closed one has been released: its slot is free. */
  freeSlot(): void {
    this.inService--;
  }

  override forget(stream: H2Stream): void {
    super.forget(stream);
    if ((stream as H2ServerStream).isReleased) this.freeSlot();
  }

  /** GOAWAY: streams already open finish, new ones are refused, and the socket ends after. */
  close(): void {
    if (this.goingAway) return;
    this.goingAway = true;
    this.write(goAwayFrame(this.lastStreamId, H2Error.NO_ERROR));
    if (!this.streams.size) this.end();
  }

  /** An answer sent while the client still sends: it is told to stop (RST_STREAM NO_ERROR). */
  override ended(stream: H2Stream): void {
    if (!stream.readable || (stream as H2ServerStream).endedWithHeaders) return;
    this.write(rstStreamFrame(stream.id, H2Error.NO_ERROR));
    stream.stopReceiving();
  }

  /** The client's preface; a client that sends anything else is dropped. */
  protected override readPrelude(): boolean {
    if (this.prefaceSeen) return true;
    const seen = this.peekInput().subarray(0, CLIENT_PREFACE.length);
    if (!CLIENT_PREFACE.subarray(0, seen.length).equals(seen)) {
      throw new ConnectionError(H2Error.PROTOCOL_ERROR);
    }
    if (seen.length < CLIENT_PREFACE.length) return false;
    this.consumeInput(CLIENT_PREFACE.length);
    this.prefaceSeen = true;
    clearTimeout(this.prefaceTimer);
    return true;
  }

  /** A new stream's oversized headers: it counts as opened, and is reset at once. */
  protected override refuseHeaders(streamId: number): void {
    if (!this.streams.has(streamId) && streamId % 2 === 1 && streamId > this.lastStreamId) {
      this.lastStreamId = streamId;
      this.write(rstStreamFrame(streamId, H2Error.ENHANCE_YOUR_CALM));
      return;
    }
    super.refuseHeaders(streamId);
  }

  protected override isIdle(streamId: number): boolean {
    return streamId > this.lastStreamId;
  }

  protected override lastProcessed(): number {
    return this.lastStreamId;
  }

  protected override onGoAway(): void {
    // The client opens no more streams; it closes the connection when its calls are done.
  }

  protected override onHeaderBlock(
    streamId: number,
    pairs: readonly HeaderPair[],
    endStream: boolean,
  ): void {
    const open = this.streams.get(streamId);
    if (open) {
      // Trailers from the client end its side; headers without END_STREAM are malformed.
      if (!endStream || trailerProblem(pairs)) return this.reset(open, H2Error.PROTOCOL_ERROR);
      return open.headersReceived(toHeaders(pairs), true);
    }
    if (streamId % 2 === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
    if (streamId <= this.lastStreamId) return; // a stream already over
    this.lastStreamId = streamId;
    if (this.goingAway) {
      this.write(rstStreamFrame(streamId, H2Error.REFUSED_STREAM));
      return;
    }
    if (this.inService >= this.limits.maxConcurrentStreams) return this.refuse(streamId);
    // A malformed request (RFC 9113, 8.1.1) is a stream error: it never reaches a method.
    if (requestHeaderProblem(pairs)) {
      this.write(rstStreamFrame(streamId, H2Error.PROTOCOL_ERROR));
      return;
    }
    const headers = toHeaders(pairs);
    const stream = new H2ServerStream(this, streamId, headers, this.peerInitialWindow, endStream);
    this.streams.set(streamId, stream);
    this.inService++;
    this.onStream(stream);
    if (endStream) stream.receive(Buffer.alloc(0), 0, true);
  }

  /** A stream past the limit: refused (safe to retry), and counted against the budget. */
  private refuse(streamId: number): void {
    const now = performance.now();
    this.refusals = Math.min(
      REFUSALS_BURST,
      this.refusals + ((now - this.refusalsCountedAt) / 1000) * REFUSALS_PER_SECOND,
    );
    this.refusalsCountedAt = now;
    if (--this.refusals < 0) throw new ConnectionError(H2Error.ENHANCE_YOUR_CALM);
    this.write(rstStreamFrame(streamId, H2Error.REFUSED_STREAM));
  }
}
