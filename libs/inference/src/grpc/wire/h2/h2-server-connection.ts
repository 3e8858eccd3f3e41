/**
 * The server side of an HTTP/2 connection (h2-connection.ts): the client's preface, streams the
 * client opens, each answered once, and a graceful GOAWAY.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import { ConnectionError, H2Connection, STREAM_WINDOW } from './h2-connection';
import { CLIENT_PREFACE, goAwayFrame, H2Error, rstStreamFrame } from './h2-frames';
import { H2Stream } from './h2-stream';

/** A request stream: the client's headers, then its body through the stream's callbacks. */
export class H2ServerStream extends H2Stream {
  constructor(
    connection: H2ServerConnection,
    id: number,
    readonly headers: IncomingHttpHeaders,
    sendWindow: number,
  ) {
    super(connection, id, sendWindow, STREAM_WINDOW);
  }

  /** The answer: headers alone end the stream; or headers, a body and trailers. */
  respond(headers: Buffer, body?: Buffer, trailers?: Buffer): void {
    this.send(headers, body, trailers);
  }
}

export class H2ServerConnection extends H2Connection {
  private prefaceSeen = false;
  private lastStreamId = 0;

  constructor(
    socket: Socket,
    private readonly onStream: (stream: H2ServerStream) => void,
  ) {
    super(socket);
    this.greet();
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
    if (!stream.readable) return;
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
    headers: IncomingHttpHeaders,
    endStream: boolean,
  ): void {
    const open = this.streams.get(streamId);
    if (open) {
      // Trailers from the client end its side; headers without END_STREAM are malformed.
      if (!endStream) return this.reset(open, H2Error.PROTOCOL_ERROR);
      return open.headersReceived(headers, true);
    }
    if (streamId % 2 === 0) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
    if (streamId <= this.lastStreamId) return; // a stream already over
    this.lastStreamId = streamId;
    if (this.goingAway) {
      this.write(rstStreamFrame(streamId, H2Error.REFUSED_STREAM));
      return;
    }
    const stream = new H2ServerStream(this, streamId, headers, this.peerInitialWindow);
    this.streams.set(streamId, stream);
    this.onStream(stream);
    if (endStream) stream.receive(Buffer.alloc(0), 0, true);
  }
}
