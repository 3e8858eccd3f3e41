import { connect, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { connect as connectTcp } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import { frameMessage, GrpcStatusError } from './grpc-wire';
import {
  startUnaryGrpcServer,
  type RunningUnaryGrpcServer,
  type UnaryCall,
  type UnaryMethod,
} from './unary-grpc-server';

/** What a raw HTTP/2 client saw of one call. */
interface Seen {
  httpStatus?: number;
  grpcStatus?: number;
  grpcMessage?: string;
  body: Buffer;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const calls: UnaryCall[] = [];

/** Echoes its text in capitals; "sleep:<ms>" answers after that long, "big" past the limit. */
const shout: UnaryMethod<string, string> = {
  decode: (bytes) => {
    if (bytes.includes(0xff)) throw new Error('not text');
    return bytes.toString('utf8');
  },
  encode: (text) => Buffer.from(text),
  async run(text, call) {
    calls.push(call);
    if (text.startsWith('sleep:')) await sleep(Number(text.slice(6)));
    if (text === 'fail') throw new Error('boom');
    return text === 'big' ? 'x'.repeat(2048) : text.toUpperCase();
  },
};
const health: UnaryMethod<string, string> = { ...shout, open: true };

function call(
  session: ClientHttp2Session,
  path: string,
  body: Buffer,
  headers: OutgoingHttpHeaders = {},
): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    const seen: Seen = { body: Buffer.alloc(0) };
    const read = (h: Record<string, unknown>) => {
      if (h[':status'] !== undefined) seen.httpStatus = Number(h[':status']);
      if (h['grpc-status'] !== undefined) seen.grpcStatus = Number(h['grpc-status']);
      if (h['grpc-message'] !== undefined) {
        seen.grpcMessage = decodeURIComponent(String(h['grpc-message']));
      }
    };
    stream.on('response', read);
    stream.on('trailers', read);
    stream.on('data', (chunk: Buffer) => (seen.body = Buffer.concat([seen.body, chunk])));
    stream.on('end', () => resolve(seen));
    stream.on('error', reject);
    if (body.length) stream.end(body);
    else stream.end(); // a GET has ended its side already
  });
}

const text = (value: string) => frameMessage(Buffer.from(value));
const answerOf = (seen: Seen) => seen.body.subarray(5).toString();

describe('the unary gRPC server, driven by a raw HTTP/2 client', () => {
  let server: RunningUnaryGrpcServer;
  let session: ClientHttp2Session;

  beforeAll(async () => {
    server = await startUnaryGrpcServer(
      new Map<string, UnaryMethod>([
        ['/test.Echo/Shout', shout as UnaryMethod],
        ['/test.Echo/Health', health as UnaryMethod],
      ]),
      '127.0.0.1:0',
      {
        maxMessageBytes: 1024,
        authorize: (metadata) => {
          if (metadata.authorization !== 'Bearer right') {
            throw new GrpcStatusError(status.UNAUTHENTICATED, 'a key is required');
          }
        },
        toStatus: (error) => ({
          code: status.INTERNAL,
          message: `internal error: ${(error as Error).message}`,
        }),
      },
    );
    session = connect(`http://127.0.0.1:${server.port}`);
  });

  afterAll(async () => {
    session.close();
    await server.shutdown();
  });

  const authorized = { authorization: 'Bearer right' };

  it('answers with headers, one framed message and an OK status in the trailers', async () => {
    const seen = await call(session, '/test.Echo/Shout', text('hello'), authorized);
    expect([seen.httpStatus, seen.grpcStatus, answerOf(seen)]).toEqual([200, 0, 'HELLO']);
    expect(seen.body.readUInt32BE(1)).toBe(5);
  });

  it('checks the credential unless the method is open', async () => {
    const refused = await call(session, '/test.Echo/Shout', text('hello'));
    expect([refused.grpcStatus, refused.grpcMessage]).toEqual([
      status.UNAUTHENTICATED,
      'a key is required',
    ]);
    expect(refused.body.length).toBe(0); // trailers only
    const open = await call(session, '/test.Echo/Health', text('ok'));
    expect([open.grpcStatus, answerOf(open)]).toEqual([0, 'OK']);
  });

  it('answers a method it does not serve, or a GET, with UNIMPLEMENTED', async () => {
    const unknown = await call(session, '/test.Echo/Whisper', text('hi'), authorized);
    expect([unknown.grpcStatus, unknown.grpcMessage]).toEqual([
      status.UNIMPLEMENTED,
      'The server does not implement the method /test.Echo/Whisper',
    ]);
    const get = await call(session, '/test.Echo/Shout', Buffer.alloc(0), {
      ':method': 'GET',
      ...authorized,
    });
    expect(get.grpcStatus).toBe(status.UNIMPLEMENTED);
  });

  it('answers a request that is not gRPC with HTTP 415', async () => {
    const seen = await call(session, '/test.Echo/Shout', Buffer.from('{}'), {
      'content-type': 'application/json',
    });
    expect([seen.httpStatus, seen.grpcStatus]).toEqual([415, undefined]);
  });

  /** One message with its compressed flag set, sent with `grpc-encoding: <encoding>`. */
  const sendCompressed = (bytes: Buffer, encoding: string) => {
    const frame = frameMessage(bytes);
    frame[0] = 1;
    return call(session, '/test.Echo/Shout', frame, { ...authorized, 'grpc-encoding': encoding });
  };

  it('reads gzip and deflate messages, and refuses an encoding it does not know', async () => {
    const gzip = await sendCompressed(gzipSync('zipped'), 'gzip');
    expect([gzip.grpcStatus, answerOf(gzip)]).toEqual([0, 'ZIPPED']);
    const deflate = await sendCompressed(deflateSync('deflated'), 'deflate');
    expect([deflate.grpcStatus, answerOf(deflate)]).toEqual([0, 'DEFLATED']);
    const snappy = await sendCompressed(gzipSync('zipped'), 'snappy');
    expect([snappy.grpcStatus, snappy.grpcMessage]).toEqual([
      status.UNIMPLEMENTED,
      'Received message compressed with unsupported encoding "snappy"',
    ]);
  });

  it('refuses a compressed message that inflates past the limit (inflating no further)', async () => {
    // 4 KB once inflated, about 40 bytes sent.
    const inflated = await sendCompressed(gzipSync(Buffer.alloc(4096, 97)), 'gzip');
    expect([inflated.grpcStatus, inflated.grpcMessage]).toEqual([
      status.RESOURCE_EXHAUSTED,
      'Received message that decompresses to a size larger than 1024',
    ]);
  });

  it('fails a unary call with no message or two of them', async () => {
    const none = await call(session, '/test.Echo/Shout', Buffer.alloc(0), authorized);
    expect(none.grpcStatus).toBe(status.UNIMPLEMENTED);
    const two = await call(
      session,
      '/test.Echo/Shout',
      Buffer.concat([text('a'), text('b')]),
      authorized,
    );
    expect(two.grpcStatus).toBe(status.UNIMPLEMENTED);
  });

  it('fails an undecodable message with INTERNAL and a method failure with its status', async () => {
    const garbled = await call(session, '/test.Echo/Shout', frameMessage(Buffer.from([0xff])), {
      ...authorized,
    });
    expect([garbled.grpcStatus, garbled.grpcMessage]).toEqual([
      status.INTERNAL,
      'Error deserializing request',
    ]);
    const failed = await call(session, '/test.Echo/Shout', text('fail'), authorized);
    expect([failed.grpcStatus, failed.grpcMessage]).toEqual([
      status.INTERNAL,
      'internal error: boom',
    ]);
  });

  it('refuses a request or an answer over the size limit with RESOURCE_EXHAUSTED', async () => {
    const request = await call(
      session,
      '/test.Echo/Shout',
      frameMessage(Buffer.alloc(2048, 97)),
      authorized,
    );
    expect(request.grpcStatus).toBe(status.RESOURCE_EXHAUSTED);
    const answer = await call(session, '/test.Echo/Shout', text('big'), authorized);
    expect([answer.grpcStatus, answer.grpcMessage]).toEqual([
      status.RESOURCE_EXHAUSTED,
      'Sent message larger than max (2048 vs. 1024)',
    ]);
  });

  it('hands the method its deadline and fails with DEADLINE_EXCEEDED past it', async () => {
    const before = Date.now();
    const quick = await call(session, '/test.Echo/Shout', text('in time'), {
      ...authorized,
      'grpc-timeout': '5S',
    });
    expect(quick.grpcStatus).toBe(0);
    expect(Math.abs((calls.at(-1)?.deadlineMs ?? 0) - (before + 5_000))).toBeLessThan(100);
    const slow = await call(session, '/test.Echo/Shout', text('sleep:400'), {
      ...authorized,
      'grpc-timeout': '100m',
    });
    expect([slow.grpcStatus, slow.grpcMessage]).toEqual([
      status.DEADLINE_EXCEEDED,
      'Deadline exceeded',
    ]);
    const malformed = await call(session, '/test.Echo/Shout', text('x'), {
      ...authorized,
      'grpc-timeout': 'soon',
    });
    expect(malformed.grpcStatus).toBe(status.INTERNAL);
  });

  it('passes the metadata to the method and survives a call the client cancels', async () => {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/test.Echo/Shout',
      'content-type': 'application/grpc',
      ...authorized,
    });
    stream.on('error', () => undefined);
    stream.end(text('sleep:200'));
    await new Promise((resolve) => setTimeout(resolve, 20)); // the call is running
    stream.close(); // RST_STREAM, CANCEL
    const after = await call(session, '/test.Echo/Shout', text('still here'), {
      ...authorized,
      'x-trace': 'abc',
    });
    expect([after.grpcStatus, answerOf(after)]).toEqual([0, 'STILL HERE']);
    expect(calls.at(-1)?.metadata['x-trace']).toBe('abc');
  });

  it('shrugs off a client that does not speak HTTP/2, and keeps serving', async () => {
    const socket = connectTcp(server.port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.resume(); // read what the server sends (its SETTINGS and GOAWAY) so its close arrives
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.end('POST /test.Echo/Shout HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n');
    await closed; // the server drops the connection: it is not HTTP/2
    const after = await call(session, '/test.Echo/Shout', text('fine'), authorized);
    expect([after.grpcStatus, answerOf(after)]).toEqual([0, 'FINE']);
  });

  it('lets a running call finish on shutdown, then stops taking connections', async () => {
    const own = await startUnaryGrpcServer(
      new Map([['/test.Echo/Shout', shout as UnaryMethod]]),
      '127.0.0.1:0',
      { maxMessageBytes: 1024, toStatus: () => ({ code: status.INTERNAL, message: 'x' }) },
    );
    const client = connect(`http://127.0.0.1:${own.port}`);
    try {
      const running = call(client, '/test.Echo/Shout', text('sleep:300'));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const stopped = own.shutdown();
      const seen = await running;
      expect([seen.grpcStatus, answerOf(seen)]).toEqual([0, 'SLEEP:300']);
      await stopped;
      const late = connect(`http://127.0.0.1:${own.port}`);
      const refused = await new Promise<string>((resolve) =>
        late.on('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? '')),
      );
      expect(refused).toBe('ECONNREFUSED');
    } finally {
      client.destroy();
    }
  });
});
