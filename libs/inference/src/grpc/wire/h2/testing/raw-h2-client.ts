/**
 * A raw HTTP/2 client for the server's tests: it sends the preface and SETTINGS (unless told
 * not to), then whatever bytes a test writes, rule-breaking ones included, and keeps every frame
 * it reads.
 */
import { connect as connectTcp, type Socket } from 'node:net';
import { CLIENT_PREFACE, settingsFrame } from '../h2-frames';

/** A frame as read off the wire. */
export interface SeenFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export class RawH2Client {
  readonly frames: SeenFrame[] = [];
  closed = false;
  private readonly socket: Socket;
  private input: Buffer = Buffer.alloc(0);
  private waiters: Array<{ match: (f: SeenFrame) => boolean; resolve: (f: SeenFrame) => void }> =
    [];

  constructor(port: number, preface = true) {
    this.socket = connectTcp(port, '127.0.0.1');
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', () => undefined);
    this.socket.once('close', () => (this.closed = true));
    if (preface) this.send(CLIENT_PREFACE, settingsFrame([]));
  }

  send(...bytes: Buffer[]): void {
    this.socket.write(Buffer.concat(bytes));
  }

  /** The first frame that `match` takes, as soon as it is read; fails after 5 s without one. */
  until(description: string, match: (f: SeenFrame) => boolean): Promise<SeenFrame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${description}`)),
        5_000,
      );
      this.waiters.push({
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      });
    });
  }

  destroy(): void {
    this.socket.destroy();
  }

  private read(chunk: Buffer): void {
    this.input = Buffer.concat([this.input, chunk]);
    while (this.input.length >= 9 && this.input.length >= 9 + this.input.readUIntBE(0, 3)) {
      const length = this.input.readUIntBE(0, 3);
      const frame: SeenFrame = {
        type: this.input[3],
        flags: this.input[4],
        streamId: this.input.readUInt32BE(5) & 0x7fffffff,
        payload: this.input.subarray(9, 9 + length),
      };
      this.frames.push(frame);
      const taken = this.waiters.filter((w) => w.match(frame));
      this.waiters = this.waiters.filter((w) => !taken.includes(w));
      for (const waiter of taken) waiter.resolve(frame);
      this.input = this.input.subarray(9 + length);
    }
  }
}
