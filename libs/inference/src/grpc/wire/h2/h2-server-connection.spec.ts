import { connect, constants, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { connect as connectTcp, type Socket } from 'node:net';
import { status } from '@grpc/grpc-js';
import { frameMessage } from '../grpc-wire';
import {
  startUnaryGrpcServer,
  type RunningUnaryGrpcServer,
  type UnaryMethod,
} from '../unary-grpc-server';
import {
  CLIENT_PREFACE,
  Flag,
  frame,
  FrameType,
  H2Error,
  headerFrames,
  Setting,
  settingsFrame,
} from './h2-frames';
import { encodeHeaderBlock, encodeHeaderFields } from './hpack';
import { RawH2Client } from './testing/raw-h2-client';

/**
 * The HTTP/2 connection under clients that stretch it: Node's own client with small windows,
 * padding, pings and header blocks over a frame, and raw sockets that break the protocol.
 */

/** Answers "<n>" with n bytes of 'z', anything else with its length and its `x-big` header's. */
const sized: UnaryMethod<Buffer, Buffer> = {
  decode: (bytes) => bytes,
  encode: (bytes) => bytes,
  run: async (bytes, { metadata }) => {
    const text = bytes.toString();
    if (/^\d+$/.test(text)) return Buffer.alloc(Number(text), 'z');
    return Buffer.from(`${bytes.length}/${String(metadata['x-big'] ?? '').length}`);
  },
};

const MAX_BYTES = 8 << 20;

function call(session: ClientHttp2Session, body: Buffer, headers: OutgoingHttpHeaders = {}) {
  return new Promise<{ grpcStatus: number; payload: Buffer }>((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/test.Sized/Echo',
      'content-type': 'application/grpc',
      ...headers,
    });
    const chunks: Buffer[] = [];
    let grpcStatus = -1;
    stream.on('trailers', (trailers) => (grpcStatus = Number(trailers['grpc-status'])));
    stream.on(
      'response',
      (h) => h['grpc-status'] !== undefined && (grpcStatus = Number(h['grpc-status'])),
    );
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve({ grpcStatus, payload: Buffer.concat(chunks).subarray(5) }));
    stream.on('error', reject);
    stream.end(frameMessage(body));
  });
}

/** Every frame a raw socket receives, until the server closes it. */
function framesUntilClose(socket: Socket): Promise<Array<{ type: number; payload: Buffer }>> {
  return new Promise((resolve) => {
    let input = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => (input = Buffer.concat([input, chunk])));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      const frames: Array<{ type: number; payload: Buffer }> = [];
      for (let at = 0; at + 9 <= input.length;) {
        const length = input.readUIntBE(at, 3);
        frames.push({ type: input[at + 3], payload: input.subarray(at + 9, at + 9 + length) });
        at += 9 + length;
      }
      resolve(frames);
    });
  });
}

describe('the HTTP/2 connection of the unary gRPC server', () => {
  let server: RunningUnaryGrpcServer;
  const sessions: ClientHttp2Session[] = [];
  const open = (options: Parameters<typeof connect>[1] = {}) => {
    const session = connect(`http://127.0.0.1:${server.port}`, options);
    sessions.push(session);
    return session;
  };

  beforeAll(async () => {
    server = await startUnaryGrpcServer(
      new Map([['/test.Sized/Echo', sized as UnaryMethod]]),
      '127.0.0.1:0',
      { maxMessageBytes: MAX_BYTES, toStatus: () => ({ code: status.INTERNAL, message: 'x' }) },
    );
  });

  afterAll(async () => {
    for (const session of sessions) session.destroy();
    await server.shutdown();
  });

  it('holds an answer to the window a client gives, and sends the rest as it grows', async () => {
    const session = open({ settings: { initialWindowSize: 1_000 } });
    const answers = await Promise.all([
      call(session, Buffer.from('70000')),
      call(session, Buffer.from('5')),
    ]);
    expect(answers.map((a) => [a.grpcStatus, a.payload.length])).toEqual([
      [0, 70_000],
      [0, 5],
    ]);
    expect(answers[0].payload.every((byte) => byte === 0x7a)).toBe(true);
  });

  it('reads a request larger than its windows, giving the client credit as it reads', async () => {
    const session = open();
    const big = Buffer.alloc(3 << 20, 1); // three times a stream's window, many DATA frames
    const answer = await call(session, big);
    expect([answer.grpcStatus, answer.payload.toString()]).toEqual([0, `${3 << 20}/0`]);
  });

  it('reads padded frames and a header block split over CONTINUATION frames', async () => {
    const session = open({ paddingStrategy: constants.PADDING_STRATEGY_MAX });
    const answer = await call(session, Buffer.from('padded'), { 'x-big': 'b'.repeat(40_000) });
    expect([answer.grpcStatus, answer.payload.toString()]).toEqual([0, '6/40000']);
  });

  it('answers pings', async () => {
    const session = open();
    await new Promise((resolve) => session.once('remoteSettings', resolve)); // the server is there
    const payload = Buffer.from('keelson!');
    const echoed = await new Promise<Buffer>((resolve, reject) =>
      session.ping(payload, (error, _ms, back) => (error ? reject(error) : resolve(back))),
    );
    expect(echoed.equals(payload)).toBe(true);
  });

  /** Sends the preface, empty SETTINGS, then `bytes`; resolves with what the server sent. */
  const raw = async (bytes: Buffer) => {
    const socket = connectTcp(server.port, '127.0.0.1');
    const frames = framesUntilClose(socket);
    socket.write(Buffer.concat([CLIENT_PREFACE, settingsFrame([]), bytes]));
    return frames;
  };
  const goAwayCode = (frames: Array<{ type: number; payload: Buffer }>) =>
    frames.find((f) => f.type === FrameType.GOAWAY)?.payload.readUInt32BE(4);
  const requestFields = [
    [':method', 'POST'],
    [':scheme', 'http'],
    [':path', '/test.Sized/Echo'],
    ['content-type', 'application/grpc'],
  ] as const;
  const request = encodeHeaderBlock(requestFields);

  it('ends the connection with PROTOCOL_ERROR on a frame a client must not send', async () => {
    const evenStream = await raw(Buffer.concat(headerFrames(2, request, true, 16_384)));
    expect(goAwayCode(evenStream)).toBe(H2Error.PROTOCOL_ERROR);
    const dataOnIdle = await raw(frame(FrameType.DATA, 0, 5, Buffer.from('x')));
    expect(goAwayCode(dataOnIdle)).toBe(H2Error.PROTOCOL_ERROR);
    const interrupted = await raw(
      Buffer.concat([
        frame(FrameType.HEADERS, 0, 1, request.subarray(0, 4)), // no END_HEADERS
        frame(FrameType.PING, 0, 0, Buffer.alloc(8)),
      ]),
    );
    expect(goAwayCode(interrupted)).toBe(H2Error.PROTOCOL_ERROR);
  });

  it('ends it with COMPRESSION_ERROR on a header block that does not decode', async () => {
    const frames = await raw(frame(FrameType.HEADERS, Flag.END_HEADERS, 1, Buffer.from([0xbe])));
    expect(goAwayCode(frames)).toBe(H2Error.COMPRESSION_ERROR);
  });

  it('ends it with FLOW_CONTROL_ERROR when a client sends past its window', async () => {
    const frames = await raw(
      Buffer.concat([
        frame(
          FrameType.SETTINGS,
          0,
          0,
          Buffer.from([0, Setting.INITIAL_WINDOW_SIZE, 0x80, 0, 0, 0]),
        ),
      ]),
    );
    expect(goAwayCode(frames)).toBe(H2Error.FLOW_CONTROL_ERROR);
  });

  it('ends it with ENHANCE_YOUR_CALM on a flood of empty CONTINUATION frames', async () => {
    const opened = frame(FrameType.HEADERS, 0, 1, request.subarray(0, 4)); // no END_HEADERS
    const empty = frame(FrameType.CONTINUATION, 0, 1);
    const frames = await raw(
      Buffer.concat([opened, ...Array.from({ length: 8_000 }, () => empty)]),
    );
    expect(goAwayCode(frames)).toBe(H2Error.ENHANCE_YOUR_CALM);
  });

  it('resets only the stream whose header list decodes past the limit', async () => {
    // A 3,000-byte field added to the table, then referred to 30 times: 90 KB from 3 KB.
    const field = Buffer.concat([
      Buffer.from([0x40, 0x05]),
      Buffer.from('x-big'),
      Buffer.from([0x7f, 0xb9, 0x16]), // 127 + 2,873 = 3,000
      Buffer.alloc(3_000, 0x61),
    ]);
    // Without the size update to 0 that encodeHeaderBlock opens with: the table keeps the field.
    const bomb = Buffer.concat([encodeHeaderFields(requestFields), field, Buffer.alloc(30, 0xbe)]);
    const socket = connectTcp(server.port, '127.0.0.1');
    const seen: Array<{ type: number; streamId: number; payload: Buffer }> = [];
    const answered = new Promise<void>((resolve) => {
      let input = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        input = Buffer.concat([input, chunk]);
        while (input.length >= 9 && input.length >= 9 + input.readUIntBE(0, 3)) {
          const length = input.readUIntBE(0, 3);
          const type = input[3];
          const streamId = input.readUInt32BE(5);
          seen.push({ type, streamId, payload: input.subarray(9, 9 + length) });
          input = input.subarray(9 + length);
          if (type === FrameType.HEADERS && streamId === 3) resolve();
        }
      });
    });
    socket.write(
      Buffer.concat([
        CLIENT_PREFACE,
        settingsFrame([]),
        ...headerFrames(1, bomb, true, 16_384),
        ...headerFrames(3, request, false, 16_384),
        frame(FrameType.DATA, Flag.END_STREAM, 3, frameMessage(Buffer.from('after'))),
      ]),
    );
    await answered;
    socket.destroy();
    const reset = seen.find((f) => f.type === FrameType.RST_STREAM && f.streamId === 1);
    expect(reset?.payload.readUInt32BE(0)).toBe(H2Error.ENHANCE_YOUR_CALM);
    expect(seen.some((f) => f.type === FrameType.GOAWAY)).toBe(false);
  });

  it('resets a malformed request with PROTOCOL_ERROR, and serves the next on its connection', async () => {
    const client = new RawH2Client(server.port);
    const malformed = [
      [...requestFields, ['X-Upper', 'a']],
      [...requestFields, ['connection', 'keep-alive']],
      requestFields.filter(([name]) => name !== ':scheme'),
      [...requestFields, [':authority', 'late']],
    ] as const;
    malformed.forEach((fields, i) =>
      client.send(...headerFrames(1 + 2 * i, encodeHeaderBlock(fields), true, 16_384)),
    );
    client.send(
      ...headerFrames(9, request, false, 16_384),
      frame(FrameType.DATA, Flag.END_STREAM, 9, frameMessage(Buffer.from('fine'))),
    );
    await client.until(
      'the well-formed call answered',
      (f) => f.type === FrameType.HEADERS && f.streamId === 9,
    );
    client.destroy();
    const resets = client.frames.filter((f) => f.type === FrameType.RST_STREAM);
    expect(resets.map((f) => [f.streamId, f.payload.readUInt32BE(0)])).toEqual(
      [1, 3, 5, 7].map((id) => [id, H2Error.PROTOCOL_ERROR]),
    );
    expect(client.frames.some((f) => f.type === FrameType.GOAWAY)).toBe(false);
  });

  it('keeps serving its other connections through all of that', async () => {
    const answer = await call(open(), Buffer.from('still'));
    expect([answer.grpcStatus, answer.payload.toString()]).toEqual([0, '5/0']);
  });
});
