import { status } from '@grpc/grpc-js';
import { waitFor } from '@keelson/testing';
import { frameMessage } from '../grpc-wire';
import {
  startUnaryGrpcServer,
  type RunningUnaryGrpcServer,
  type UnaryMethod,
} from '../unary-grpc-server';
import {
  Flag,
  frame,
  FrameType,
  H2Error,
  headerFrames,
  rstStreamFrame,
  Setting,
} from './h2-frames';
import { encodeHeaderBlock } from './hpack';
import { RawH2Client, type SeenFrame } from './testing/raw-h2-client';

/**
 * What one client may ask of the server's HTTP/2 connection: streams in service up to the limit
 * it advertises, resets that do not free a place while the work runs (rapid reset), a budget of
 * refusals, and a deadline for the preface. Raw sockets, so the client can break the rules.
 */

const request = encodeHeaderBlock([
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/test.Held/Hold'],
  ['content-type', 'application/grpc'],
]);
/** A whole call on stream `id`: its headers and one message ending the stream. */
const callFrames = (id: number, text = 'x') => [
  ...headerFrames(id, request, false, 16_384),
  frame(FrameType.DATA, Flag.END_STREAM, id, frameMessage(Buffer.from(text))),
];
const isReset = (streamId: number) => (f: SeenFrame) =>
  f.type === FrameType.RST_STREAM && f.streamId === streamId;
const isAnswer = (streamId: number) => (f: SeenFrame) =>
  f.type === FrameType.HEADERS && f.streamId === streamId;

describe("the HTTP/2 server's limits on one client", () => {
  let server: RunningUnaryGrpcServer;
  const clients: RawH2Client[] = [];
  const client = (preface = true) => {
    const raw = new RawH2Client(server.port, preface);
    clients.push(raw);
    return raw;
  };
  /** Calls the method has started, and the gate that lets the held ones finish. */
  let started = 0;
  let finished = 0;
  let open: () => void = () => undefined;
  let gate = Promise.resolve();
  const closeGate = () => (gate = new Promise<void>((resolve) => (open = resolve)));

  const held: UnaryMethod<Buffer, Buffer> = {
    decode: (bytes) => bytes,
    encode: (bytes) => bytes,
    run: async (bytes) => {
      started++;
      await gate;
      finished++;
      return bytes;
    },
  };

  beforeAll(async () => {
    server = await startUnaryGrpcServer(
      new Map([['/test.Held/Hold', held as UnaryMethod]]),
      '127.0.0.1:0',
      {
        maxMessageBytes: 1024,
        toStatus: () => ({ code: status.INTERNAL, message: 'x' }),
        limits: { maxConcurrentStreams: 2, prefaceTimeoutMs: 300 },
      },
    );
  });

  beforeEach(() => {
    started = finished = 0;
    closeGate();
  });

  afterEach(() => open());

  afterAll(async () => {
    for (const raw of clients) raw.destroy();
    await server.shutdown();
  });

  it('advertises its stream limit and refuses a stream past it, safe to retry', async () => {
    const raw = client();
    const settings = await raw.until('the SETTINGS', (f) => f.type === FrameType.SETTINGS);
    const advertised = new Map<number, number>();
    for (let at = 0; at < settings.payload.length; at += 6) {
      advertised.set(settings.payload.readUInt16BE(at), settings.payload.readUInt32BE(at + 2));
    }
    expect(advertised.get(Setting.MAX_CONCURRENT_STREAMS)).toBe(2);
    raw.send(...callFrames(1), ...callFrames(3), ...callFrames(5));
    const refused = await raw.until('stream 5 refused', isReset(5));
    expect(refused.payload.readUInt32BE(0)).toBe(H2Error.REFUSED_STREAM);
    open();
    await raw.until('stream 3 answered', isAnswer(3));
    raw.send(...callFrames(7));
    await raw.until('stream 7 answered once there is room', isAnswer(7));
    expect(started).toBe(3); // 1, 3 and 7: the refused stream never ran
  });

  it('keeps a reset stream in service until its work is over (rapid reset)', async () => {
    const raw = client();
    raw.send(...callFrames(1), ...callFrames(3));
    await waitFor('both calls to start', () => started === 2 || undefined);
    raw.send(rstStreamFrame(1, H2Error.CANCEL), rstStreamFrame(3, H2Error.CANCEL));
    raw.send(...callFrames(5));
    const refused = await raw.until('stream 5 refused', isReset(5));
    expect(refused.payload.readUInt32BE(0)).toBe(H2Error.REFUSED_STREAM);
    expect(started).toBe(2);
    open();
    await waitFor('the reset calls to finish', () => finished === 2 || undefined);
    raw.send(...callFrames(7));
    await raw.until('stream 7 answered', isAnswer(7));
  });

  it('ends a connection that keeps opening streams past its limit (ENHANCE_YOUR_CALM)', async () => {
    const raw = client();
    raw.send(...callFrames(1), ...callFrames(3));
    await waitFor('both calls to start', () => started === 2 || undefined);
    // Open and reset, over and over: each is refused, and the budget of refusals runs out.
    const flood: Buffer[] = [];
    for (let id = 5; id < 5 + 2 * 1_200; id += 2) {
      flood.push(...headerFrames(id, request, false, 16_384), rstStreamFrame(id, H2Error.CANCEL));
    }
    raw.send(...flood);
    const goAway = await raw.until('the GOAWAY', (f) => f.type === FrameType.GOAWAY);
    expect(goAway.payload.readUInt32BE(4)).toBe(H2Error.ENHANCE_YOUR_CALM);
    expect(started).toBe(2);
  });

  it('answers a stream its headers ended at once, without telling the client to stop', async () => {
    const raw = client();
    const plain = encodeHeaderBlock([
      [':method', 'POST'],
      [':scheme', 'http'],
      [':path', '/test.Held/Hold'],
      ['content-type', 'text/plain'],
    ]);
    raw.send(...headerFrames(1, plain, true, 16_384), frame(FrameType.PING, 0, 0, Buffer.alloc(8)));
    await raw.until('the ping answered', (f) => f.type === FrameType.PING);
    expect(raw.frames.some(isAnswer(1))).toBe(true); // 415, written before the ping's answer
    expect(raw.frames.some(isReset(1))).toBe(false);
  });

  it('drops a connection that does not send its preface in time', async () => {
    const silent = client(false);
    const openedAt = Date.now();
    await waitFor('the silent connection to be dropped', () => silent.closed || undefined, {
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    expect(Date.now() - openedAt).toBeGreaterThanOrEqual(250);
  });
});
