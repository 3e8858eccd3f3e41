/**
 * The client side of an HTTP/2 connection (h2-connection.ts): the preface, streams this side
 * opens (one request each, its answer read back), and the server's GOAWAY.
 */
import type { Socket } from 'node:net';
import { ConnectionError, H2Connection, STREAM_WINDOW, toHeaders } from './h2-connection';
import { CLIENT_PREFACE, goAwayFrame, H2Error } from './h2-frames';
import { H2Stream } from './h2-stream';
import type { HeaderPair } from './hpack';

/** Stream ids are 31 bits: a connection that has used them all makes way for a new one. */
const LAST_STREAM_ID = 0x7fffffff;

/** A request held back until the server's stream limit lets it open. */
interface Waiting {
  headers: Buffer;
  body: Buffer;
}

export class H2ClientConnection extends H2Connection {
  private nextStreamId = 1;
  /** Requests past the server's MAX_CONCURRENT_STREAMS, in order, opened as streams end. */
  private readonly waiting = new Map<H2Stream, Waiting>();

  constructor(socket: Socket) {
    super(socket);
    this.write(CLIENT_PREFACE);
    this.greet();
    socket.once('close', () => this.failWaiting());
  }

  /** False once no new stream may open here: GOAWAY either way, or the socket gone. */
  get usable(): boolean {
    return !this.goingAway && !this.socket.destroyed;
  }

  /**
   * A stream with a request: its headers, and its body ending the stream. It opens at once, or
   * once the server's stream limit has room (a server refuses a stream past it).
   */
  request(headers: Buffer, body: Buffer): H2Stream {
    const stream = new H2Stream(this, 0, this.peerInitialWindow, STREAM_WINDOW);
    if (this.streams.size < this.peerMaxConcurrentStreams) this.open(stream, headers, body);
    else this.waiting.set(stream, { headers, body });
    return stream;
  }

  private open(stream: H2Stream, headers: Buffer, body: Buffer): void {
    stream.id = this.nextStreamId;
    stream.sendWindow = this.peerInitialWindow;
    this.nextStreamId += 2;
    this.streams.set(stream.id, stream);
    stream.send(headers, body);
    if (this.nextStreamId > LAST_STREAM_ID) this.close();
  }

  /** Opens the requests waiting, as far as the server's limit allows. */
  private openWaiting(): void {
    for (const [stream, { headers, body }] of this.waiting) {
      if (this.goingAway || this.streams.size >= this.peerMaxConcurrentStreams) return;
      this.waiting.delete(stream);
      this.open(stream, headers, body);
    }
  }

  /** Requests that will not open on this connection fail as refused: safe to retry elsewhere. */
  private failWaiting(): void {
    const waiting = [...this.waiting.keys()];
    this.waiting.clear();
    for (const stream of waiting) stream.closeByPeer(H2Error.REFUSED_STREAM);
  }

  protected override onPeerSettings(): void {
    this.openWaiting();
  }

  /** A stream is over; a waiting one was taken off the queue before it closed. */
  override forget(stream: H2Stream): void {
    super.forget(stream);
    this.openWaiting();
  }

  /** A waiting request given up leaves the queue; an open stream is reset. */
  override reset(stream: H2Stream, code: number): void {
    if (!this.waiting.has(stream)) return super.reset(stream, code);
    this.waiting.delete(stream);
    stream.closeByPeer(code);
  }

  /** GOAWAY: the calls running finish, then the connection closes. */
  close(): void {
    if (this.goingAway) return;
    this.goingAway = true;
    this.write(goAwayFrame(0, H2Error.NO_ERROR));
    this.failWaiting();
    if (!this.streams.size) this.end();
  }

  protected override isIdle(streamId: number): boolean {
    return streamId % 2 === 0 || streamId >= this.nextStreamId; // servers open none (no push)
  }

  protected override lastProcessed(): number {
    return 0;
  }

  /** Streams past `lastStreamId` were never processed: they fail as refused, safe to retry. */
  protected override onGoAway(lastStreamId: number): void {
    this.goingAway = true;
    this.failWaiting();
    for (const stream of [...this.streams.values()]) {
      if (stream.id > lastStreamId) stream.closeByPeer(H2Error.REFUSED_STREAM);
    }
    if (!this.streams.size) this.end();
  }

  protected override onHeaderBlock(
    streamId: number,
    pairs: readonly HeaderPair[],
    endStream: boolean,
  ): void {
    const stream = this.streams.get(streamId);
    if (stream) return stream.headersReceived(toHeaders(pairs), endStream);
    if (this.isIdle(streamId)) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
  }
}
