import { status } from '@grpc/grpc-js';
import type { AddressInfo } from 'node:net';
import {
  createServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Session,
} from 'node:http2';
import { freePort, waitFor } from '@keelson/testing';
import { frameMessage, GrpcStatusError } from './grpc-wire';
import { UnaryGrpcClient } from './unary-grpc-client';
import {
  startUnaryGrpcServer,
  type RunningUnaryGrpcServer,
  type UnaryCall,
  type UnaryMethod,
} from './unary-grpc-server';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seen: UnaryCall[] = [];

/** Echoes its text reversed; "sleep:<ms>" answers after that long; "refuse" fails NOT_FOUND. */
const reverse: UnaryMethod<string, string> = {
  decode: (bytes) => bytes.toString('utf8'),
  encode: (text) => Buffer.from(text),
  async run(text, call) {
    seen.push(call);
    if (text.startsWith('sleep:')) await sleep(Number(text.slice(6)));
    if (text === 'refuse') throw new GrpcStatusError(status.NOT_FOUND, "unknown model 'x' ✗");
    return [...text].reverse().join('');
  },
};

const serve = (port: number): Promise<RunningUnaryGrpcServer> =>
  startUnaryGrpcServer(
    new Map([['/test.Text/Reverse', reverse as UnaryMethod]]),
    `127.0.0.1:${port}`,
    { maxMessageBytes: 1024, toStatus: () => ({ code: status.INTERNAL, message: 'unexpected' }) },
  );

async function failure(promise: Promise<unknown>): Promise<GrpcStatusError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GrpcStatusError);
  return error as GrpcStatusError;
}

describe('the unary gRPC client against the unary server', () => {
  let port: number;
  let server: RunningUnaryGrpcServer | undefined;
  let client: UnaryGrpcClient;
  const soon = () => ({ deadlineMs: Date.now() + 5_000 });
  const reverseOf = (text: string, options = soon()) =>
    client.call('/test.Text/Reverse', Buffer.from(text), options).then(String);

  beforeAll(async () => {
    port = await freePort();
    server = await serve(port);
    client = new UnaryGrpcClient(`http://127.0.0.1:${port}`, 1024);
  });

  afterAll(async () => {
    client.close();
    await server?.shutdown();
  });

  it('multiplexes calls on one connection, with their metadata and deadline', async () => {
    const deadlineMs = Date.now() + 5_000;
    const answers = await Promise.all(
      ['abc', 'hello', ''].map((text) =>
        client
          .call('/test.Text/Reverse', Buffer.from(text), { deadlineMs, headers: { 'x-n': '7' } })
          .then(String),
      ),
    );
    expect(answers).toEqual(['cba', 'olleh', '']);
    expect(seen.at(-1)?.metadata['x-n']).toBe('7');
    expect(Math.abs((seen.at(-1)?.deadlineMs ?? 0) - deadlineMs)).toBeLessThan(100);
  });

  it("gives the server's status and its decoded message", async () => {
    const error = await failure(reverseOf('refuse'));
    expect([error.code, error.message]).toEqual([status.NOT_FOUND, "unknown model 'x' ✗"]);
    const unknown = await failure(client.call('/test.Text/Upper', Buffer.from('a'), soon()));
    expect(unknown.code).toBe(status.UNIMPLEMENTED);
  });

  it('fails DEADLINE_EXCEEDED at the deadline and CANCELLED when aborted', async () => {
    const started = Date.now();
    const late = await failure(reverseOf('sleep:1000', { deadlineMs: Date.now() + 100 }));
    expect(late.code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(800);
    const abort = new AbortController();
    const cancelled = failure(
      client.call('/test.Text/Reverse', Buffer.from('sleep:1000'), {
        ...soon(),
        signal: abort.signal,
      }),
    );
    abort.abort();
    expect((await cancelled).code).toBe(status.CANCELLED);
    expect(await reverseOf('still')).toBe('llits');
  });

  it('fails UNAVAILABLE while the server is down, and reconnects once it is back', async () => {
    await server!.shutdown();
    server = undefined;
    const down = await failure(reverseOf('anyone?'));
    expect(down.code).toBe(status.UNAVAILABLE);
    expect(client.reachable()).toBe(false);
    server = await serve(port);
    expect(await reverseOf('back')).toBe('kcab');
    expect(client.reachable()).toBe(true);
  });
});

describe("the unary gRPC client under a server's stream limit", () => {
  let server: RunningUnaryGrpcServer;
  let client: UnaryGrpcClient;
  let running = 0;
  let mostRunning = 0;
  const ran: string[] = [];
  const counted: UnaryMethod<string, string> = {
    decode: (bytes) => bytes.toString('utf8'),
    encode: (text) => Buffer.from(text),
    async run(text) {
      ran.push(text);
      mostRunning = Math.max(mostRunning, ++running);
      await sleep(20);
      running--;
      return text;
    },
  };

  beforeAll(async () => {
    server = await startUnaryGrpcServer(
      new Map([['/test.Text/Count', counted as UnaryMethod]]),
      '127.0.0.1:0',
      {
        maxMessageBytes: 1024,
        toStatus: () => ({ code: status.INTERNAL, message: 'unexpected' }),
        limits: { maxConcurrentStreams: 2 },
      },
    );
    client = new UnaryGrpcClient(`http://127.0.0.1:${server.port}`, 1024);
  });

  afterAll(async () => {
    client.close();
    await server.shutdown();
  });

  it('holds the calls past the limit until a stream ends, and answers every one', async () => {
    const call = (text: string) =>
      client
        .call('/test.Text/Count', Buffer.from(text), { deadlineMs: Date.now() + 5_000 })
        .then(String);
    expect(await call('first')).toBe('first'); // the server's SETTINGS are in
    mostRunning = 0;
    const texts = Array.from({ length: 12 }, (_, i) => `call ${i}`);
    expect(await Promise.all(texts.map(call))).toEqual(texts);
    expect(mostRunning).toBe(2);
  });

  it('lets a held call go when it is cancelled, without opening it', async () => {
    const abort = new AbortController();
    const held = [0, 1, 2].map((i) =>
      client.call('/test.Text/Count', Buffer.from(`held ${i}`), {
        deadlineMs: Date.now() + 5_000,
        ...(i === 2 && { signal: abort.signal }),
      }),
    );
    abort.abort();
    const [first, second, third] = await Promise.allSettled(held);
    expect([first.status, second.status]).toEqual(['fulfilled', 'fulfilled']);
    expect(third.status === 'rejected' && (third.reason as GrpcStatusError).code).toBe(
      status.CANCELLED,
    );
    expect(ran.filter((text) => text.startsWith('held'))).toEqual(['held 0', 'held 1']);
  });
});

/**
 * Against Node's own `http2` server (nghttp2): the client's frames and header blocks are read by
 * another implementation, with its default 64 KB windows, and its GOAWAY is honoured.
 */
describe('the unary gRPC client against another HTTP/2 server', () => {
  let server: Http2Server;
  let client: UnaryGrpcClient;
  const metadata: IncomingHttpHeaders[] = [];
  const sessions = new Set<ServerHttp2Session>();
  const soon = () => ({ deadlineMs: Date.now() + 5_000 });

  beforeAll(async () => {
    server = createServer();
    server.on('session', (session) => sessions.add(session));
    server.on('stream', (stream, headers) => {
      metadata.push(headers);
      stream.on('error', () => undefined); // the held call, when its session is destroyed
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const body = Buffer.concat(chunks).subarray(5);
        if (body.toString() === 'hang') return; // answered by no one: GOAWAY refuses it
        stream.respond(
          { ':status': 200, 'content-type': 'application/grpc' },
          { waitForTrailers: true },
        );
        stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': 0 }));
        // Twice what was sent: past the client's 64 KB default and its stream window.
        stream.end(frameMessage(Buffer.concat([body, body])));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    client = new UnaryGrpcClient(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      8 << 20,
    );
  });

  afterAll(async () => {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends large requests and reads large answers within the windows both ways', async () => {
    const sent = Buffer.alloc(1_500_000, 7);
    const answers = await Promise.all(
      [sent, Buffer.from('small')].map((body) =>
        client.call('/test.Big/Double', body, {
          deadlineMs: Date.now() + 10_000,
          headers: { 'x-tenant': 'a', 'x-list': ['1', '2'] },
        }),
      ),
    );
    expect(answers[0].equals(Buffer.concat([sent, sent]))).toBe(true);
    expect(answers[1].toString()).toBe('smallsmall');
    expect(metadata.at(-1)).toMatchObject({
      ':method': 'POST',
      ':path': '/test.Big/Double',
      'content-type': 'application/grpc',
      te: 'trailers',
      'x-tenant': 'a',
    });
    expect(metadata.at(-1)?.['grpc-timeout']).toMatch(/^\d+m$/);
  });

  it('opens a new connection after a GOAWAY; a call lost with its connection fails UNAVAILABLE', async () => {
    const before = metadata.length;
    const hung = failure(client.call('/test.Big/Double', Buffer.from('hang'), soon()));
    await waitFor('the server to hold the call', () => metadata.length > before || undefined);
    const first = [...sessions];
    for (const session of first) session.goaway(); // the held call may finish; no new one here
    await waitFor('the client to read the GOAWAY', async () => {
      const answer = await client.call('/test.Big/Double', Buffer.from('again'), soon());
      return sessions.size > first.length ? answer : undefined;
    });
    for (const session of first) session.destroy();
    const lost = await hung;
    expect([lost.code, lost.message]).toEqual([status.UNAVAILABLE, 'the connection closed']);
  });
});
