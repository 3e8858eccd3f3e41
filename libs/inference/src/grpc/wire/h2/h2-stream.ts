import type { IncomingHttpHeaders } from 'node:http2';
import { Flag, frameHeader, FrameType } from './h2-frames';

/** What a stream needs of its connection (h2-connection.ts). */
export interface StreamConnection {
  readonly peerMaxFrameSize: number;
  readonly sendWindow: number;
  takeWindow(bytes: number): void;
  write(...buffers: Buffer[]): void;
  sendHeaders(streamId: number, block: Buffer, endStream: boolean): void;
  pump(stream: H2Stream): void;
  /** This side has sent its end of `stream`. */
  ended(stream: H2Stream): void;
  /** `stream` is over both ways: the connection forgets it. */
  forget(stream: H2Stream): void;
}

/**
 * One HTTP/2 stream, either side: what arrives (header blocks, data, the end) goes to its
 * callbacks; what it sends (headers, a body, trailers) goes out as flow control allows, both
 * windows counted. The stream is `closed` once both sides have ended it, the peer has reset it,
 * or the connection is lost; `onClose` says so once, `resetCode` says how.
 */
export class H2Stream {
  /** The RST_STREAM code the peer closed the stream with; undefined for a connection lost. */
  resetCode?: number;
  onHeaders?: (headers: IncomingHttpHeaders, endStream: boolean) => void;
  onData?: (chunk: Buffer) => void;
  onEnd?: () => void;
  onClose?: () => void;
  private sending = true;
  private receiving = true;
  private over = false;
  /** What the peer may still send on this stream, and what it sent since the last credit. */
  private receiveWindow: number;
  private received = 0;
  private body?: Buffer;
  private trailers?: Buffer;

  constructor(
    protected readonly connection: StreamConnection,
    /** Its stream id; 0 for a client's stream still waiting for a place under the peer's limit. */
    public id: number,
    /** What this side may still send, as the peer's flow control allows. */
    public sendWindow: number,
    private readonly window: number,
  ) {
    this.receiveWindow = window;
  }

  /** Whether the peer may still send on this stream. */
  get readable(): boolean {
    return this.receiving;
  }

  /** Whether this side has yet to send its end (a body may be waiting for credit). */
  get writable(): boolean {
    return this.sending;
  }

  get closed(): boolean {
    return this.over;
  }

  headersReceived(headers: IncomingHttpHeaders, endStream: boolean): void {
    if (!this.receiving) return;
    this.onHeaders?.(headers, endStream);
    if (endStream) this.receive(Buffer.alloc(0), 0, true);
  }

  /**
   * Takes a DATA frame's content (`flowBytes` counts its padding too) and the end of the peer's
   * side; returns the credit to give back as a WINDOW_UPDATE, or 'overrun' when the peer sent
   * past its window.
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
      this.settle();
      return 0;
    }
    if (this.over || this.received < this.window / 2) return 0;
    const credit = this.received;
    this.received = 0;
    this.receiveWindow += credit;
    return credit;
  }

  /**
   * Sends headers, then the body (when there is one) as DATA frames, then the trailers (when
   * there are some); the last of them ends this side. Headers alone end it at once.
   */
  send(headers: Buffer, body?: Buffer, trailers?: Buffer): void {
    if (!this.sending) return;
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
  pump(): 'done' | 'blocked' {
    const connection = this.connection;
    let body = this.body;
    if (!this.sending || !body) return 'done';
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
      const last = bytes === body.length && !this.trailers;
      const flags = last ? Flag.END_STREAM : 0;
      connection.write(frameHeader(bytes, FrameType.DATA, flags, this.id), body.subarray(0, bytes));
      connection.takeWindow(bytes);
      this.sendWindow -= bytes;
      body = body.subarray(bytes);
      if (last) return this.sent();
    }
    if (this.trailers) connection.sendHeaders(this.id, this.trailers, true);
    else connection.write(frameHeader(0, FrameType.DATA, Flag.END_STREAM, this.id)); // empty body
    return this.sent();
  }

  /** The peer reset the stream (with `code`), or the connection is gone: nothing more goes. */
  closeByPeer(code?: number): void {
    if (this.over) return;
    this.resetCode = code;
    this.sending = this.receiving = false;
    this.body = this.trailers = undefined;
    this.settle();
  }

  /** This side reads no more of what the peer sends (it was told to stop: RST_STREAM). */
  stopReceiving(): void {
    this.receiving = false;
    this.settle();
  }

  private sent(): 'done' {
    this.body = this.trailers = undefined;
    this.end();
    return 'done';
  }

  private end(): void {
    this.sending = false;
    this.connection.ended(this);
    this.settle();
  }

  private settle(): void {
    if (this.over || this.sending || this.receiving) return;
    this.over = true;
    this.connection.forget(this);
    this.onClose?.();
  }
}
