import { status } from '@grpc/grpc-js';
import { freePort } from '@keelson/testing';
import { GrpcStatusError } from './grpc-wire';
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
