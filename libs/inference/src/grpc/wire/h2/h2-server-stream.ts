import type { IncomingHttpHeaders } from 'node:http2';
import { Flag, frameHeader, FrameType } from './h2-frames';

/** What a stream needs of its connection (h2-server-connection.ts). */
export interface StreamConnection {
  readonly peerMaxFrameSize: number;
  readonly sendWindow: number;
  takeWindow(bytes: number): void;
  write(...buffers: Buffer[]): void;
  sendHeaders(streamId: number, block: Buffer, endStream: boolean): void;
  pump(stream: H2ServerStream): void;
  ended(stream: H2ServerStream, stillReceiving: boolean): void;
}

/**
 * One request stream on the server: the client's headers, its body as it arrives, and one
 * answer. `closed` turns true when the answer is sent, the client resets the stream, or the
 * connection is lost; `onClose` says so once.
 */
export class H2ServerStream {
  closed = false;
  onData?: (chunk: Buffer) => void;
  onEnd?: () => void;
  onClose?: () => void;
  private receiving = true;
  /** What the client may still send on this stream, and what it sent since the last credit. */
  private receiveWindow: number;
  private received = 0;
  private body?: Buffer;
  private trailers?: Buffer;

  constructor(
    private readonly connection: StreamConnection,
    readonly id: number,
    readonly headers: IncomingHttpHeaders,
    /** What this side may still send, as the peer's flow control allows. */
    public sendWindow: number,
    private readonly window: number,
  ) {
    this.receiveWindow = window;
  }

  /**
   * Takes a DATA frame's content (`flowBytes` counts its padding too) and the end of the
   * client's side; returns the credit to give back as a WINDOW_UPDATE, or 'overrun' when the
   * client sent past its window.
   */
  receive(data: Buffer, flowBytes: number, end: boolean): number | 'overrun' {
    if (!this.receiving) return 0;
    this.receiveWindow -= flowBytes;
    if (this.receiveWindow < 0) return 'overrun';
    this.received += flowBytes;
    if (data.length) this.onData?.(data);
    if (end) {
      this.receiving = false;
      this.onEnd?.();
      return 0;
    }
    if (this.closed || this.received < this.window / 2) return 0;
    const credit = this.received;
    this.received = 0;
    this.receiveWindow += credit;
    return credit;
  }

  /**
   * The answer: headers alone end the stream (a trailers-only gRPC failure, an HTTP error);
   * with a body, the body goes as DATA frames as flow control allows, then the trailers.
   */
  respond(headers: Buffer, body?: Buffer, trailers?: Buffer): void {
    if (this.closed) return;
    if (!body && !trailers) {
      this.connection.sendHeaders(this.id, headers, true);
      return this.end();
    }
    this.connection.sendHeaders(this.id, headers, false);
    this.body = body ?? Buffer.alloc(0);
    this.trailers = trailers;
    this.connection.pump(this);
  }

  /** Sends what the windows allow of the body; 'blocked' while some of it waits for credit. */
  pump(connection: StreamConnection): 'done' | 'blocked' {
    let body = this.body;
    if (this.closed || !body) return 'done';
    while (body.length) {
      const bytes = Math.min(
        body.length,
        connection.peerMaxFrameSize,
        connection.sendWindow,
        this.sendWindow,
      );
      if (bytes <= 0) {
        this.body = body;
        return 'blocked';
      }
      connection.write(frameHeader(bytes, FrameType.DATA, 0, this.id), body.subarray(0, bytes));
      connection.takeWindow(bytes);
      this.sendWindow -= bytes;
      body = body.subarray(bytes);
    }
    this.body = undefined;
    if (this.trailers) connection.sendHeaders(this.id, this.trailers, true);
    else connection.write(frameHeader(0, FrameType.DATA, Flag.END_STREAM, this.id));
    this.end();
    return 'done';
  }

  /** The client reset the stream, or the connection is gone: nothing more is sent or read. */
  closeByPeer(): void {
    if (this.closed) return;
    this.closed = true;
    this.receiving = false;
    this.body = undefined;
    this.onClose?.();
  }

  private end(): void {
    const stillReceiving = this.receiving;
    this.receiving = false;
    this.closed = true;
    this.connection.ended(this, stillReceiving);
    this.onClose?.();
  }
}
