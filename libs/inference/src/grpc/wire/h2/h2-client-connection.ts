/**
 * The client side of an HTTP/2 connection (h2-connection.ts): the preface, streams this side
 * opens (one request each, its answer read back), and the server's GOAWAY.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import type { Socket } from 'node:net';
import { ConnectionError, H2Connection, STREAM_WINDOW } from './h2-connection';
import { CLIENT_PREFACE, goAwayFrame, H2Error } from './h2-frames';
import { H2Stream } from './h2-stream';

/** Stream ids are 31 bits: a connection that has used them all makes way for a new one. */
const LAST_STREAM_ID = 0x7fffffff;

export class H2ClientConnection extends H2Connection {
  private nextStreamId = 1;

  constructor(socket: Socket) {
    super(socket);
    this.write(CLIENT_PREFACE);
    this.greet();
  }

  /** False once no new stream may open here: GOAWAY either way, or the socket gone. */
  get usable(): boolean {
    return !this.goingAway && !this.socket.destroyed;
  }

  /** Opens a stream with a request: its headers, and its body ending the stream. */
  request(headers: Buffer, body: Buffer): H2Stream {
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new H2Stream(this, id, this.peerInitialWindow, STREAM_WINDOW);
    this.streams.set(id, stream);
    stream.send(headers, body);
    if (this.nextStreamId > LAST_STREAM_ID) this.close();
    return stream;
  }

  /** GOAWAY: the calls running finish, then the connection closes. */
  close(): void {
    if (this.goingAway) return;
    this.goingAway = true;
    this.write(goAwayFrame(0, H2Error.NO_ERROR));
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
    for (const stream of [...this.streams.values()]) {
      if (stream.id > lastStreamId) stream.closeByPeer(H2Error.REFUSED_STREAM);
    }
    if (!this.streams.size) this.end();
  }

  protected override onHeaderBlock(
    streamId: number,
    headers: IncomingHttpHeaders,
    endStream: boolean,
  ): void {
    const stream = this.streams.get(streamId);
    if (stream) return stream.headersReceived(headers, endStream);
    if (this.isIdle(streamId)) throw new ConnectionError(H2Error.PROTOCOL_ERROR);
  }
}
