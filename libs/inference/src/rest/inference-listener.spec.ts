import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEchoHandler, type EchoHandler } from '../../test/triton-client/echo-server';
import { InferenceError } from '../protocol/errors';
import { inferenceRequestListener, TIMEOUT_HEADER } from './inference-listener';

const LIMIT = 1024;
const body = JSON.stringify({
  id: 'r1',
  inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }],
});

let server: Server;
let base: string;
let handler: EchoHandler;
let authorized: Array<string | undefined>;

beforeAll(async () => {
  handler = createEchoHandler();
  authorized = [];
  server = createServer(
    inferenceRequestListener(
      handler,
      {
        bodyLimit: LIMIT,
        authorize: (headers) => {
          authorized.push(headers.authorization);
          if (headers.authorization === 'Bearer slow-down')
            throw Object.assign(new InferenceError('RESOURCE_EXHAUSTED', 'rate limit exceeded'), {
              retryAfterSeconds: 2,
            });
          if (headers.authorization !== 'Bearer good')
            throw new InferenceError('UNAUTHENTICATED', 'an API key is required');
        },
      },
      (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('fallback'),
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const auth = { authorization: 'Bearer good' };

describe('inferenceRequestListener', () => {
  it('answers /v2 routes itself and hands every other path to the fallback', async () => {
    const infer = await fetch(`${base}/v2/models/echo/infer`, {
      method: 'POST',
      headers: auth,
      body,
    });
    expect(infer.status).toBe(200);
    expect(infer.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await infer.json()).toMatchObject({ id: 'r1', model_name: 'echo' });

    const other = await fetch(`${base}/health/live`);
    expect(await other.text()).toBe('fallback');
    const lookalike = await fetch(`${base}/v2x`);
    expect(await lookalike.text()).toBe('fallback');
  });

  it('answers 404 with the protocol error shape for an unknown /v2 path', async () => {
    const res = await fetch(`${base}/v2/models/echo/explain`, { method: 'POST', headers: auth });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'no such endpoint: /v2/models/echo/explain' });
  });

  it('skips authorization for the health probes only', async () => {
    authorized.length = 0;
    expect((await fetch(`${base}/v2/health/ready`)).status).toBe(200);
    expect(authorized).toEqual([]);
    const refused = await fetch(`${base}/v2/models/echo`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'an API key is required' });
  });

  it('passes on a refusal status and its Retry-After', async () => {
    const res = await fetch(`${base}/v2/models/echo`, {
      headers: { authorization: 'Bearer slow-down' },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('2');
  });

  it('refuses an announced body over the limit with 413 before reading it', async () => {
    const res = await fetch(`${base}/v2/models/echo/infer`, {
      method: 'POST',
      headers: auth,
      body: 'x'.repeat(LIMIT + 1),
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /larger than the limit of 1024 bytes/,
    );
  });

  it('refuses a chunked body once it passes the limit, and keeps serving', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        `${base}/v2/models/echo/infer`,
        { method: 'POST', headers: { ...auth, 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 4; i++) req.write('y'.repeat(LIMIT / 2));
      req.end();
    });
    expect(status).toBe(413);
    const after = await fetch(`${base}/v2/models/echo/infer`, {
      method: 'POST',
      headers: auth,
      body,
    });
    expect(after.status).toBe(200);
  });

  it('turns the timeout header into the request deadline, and ignores a bad one', async () => {
    const before = Date.now();
    await fetch(`${base}/v2/models/echo/infer`, {
      method: 'POST',
      headers: { ...auth, [TIMEOUT_HEADER]: '250' },
      body,
    });
    const deadline = handler.requests.at(-1)!.deadlineMs!;
    expect(deadline).toBeGreaterThanOrEqual(before + 250);
    expect(deadline).toBeLessThanOrEqual(Date.now() + 250);

    await fetch(`${base}/v2/models/echo/infer`, {
      method: 'POST',
      headers: { ...auth, [TIMEOUT_HEADER]: 'soon' },
      body,
    });
    expect(handler.requests.at(-1)!.deadlineMs).toBeUndefined();
  });

  it('gives up on a request whose deadline passes while it runs', async () => {
    const res = await fetch(`${base}/v2/models/slow/infer`, {
      method: 'POST',
      headers: { ...auth, [TIMEOUT_HEADER]: '50' },
      body: JSON.stringify({
        parameters: { sleep_ms: 5_000 },
        inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1], data: [1] }],
      }),
    });
    expect(res.status).toBe(504);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const res = await fetch(`${base}/v2`, { method: 'HEAD', headers: auth });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
    expect(await res.text()).toBe('');
  });
});
