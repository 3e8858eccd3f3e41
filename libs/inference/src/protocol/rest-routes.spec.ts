import { createEchoHandler } from '../../test/triton-client/echo-server';
import { handleRestRequest, matchRestRoute } from './rest-routes';

const handler = createEchoHandler();
const get = (path: string) => handleRestRequest(handler, { method: 'GET', path });
/** An inference answer comes encoded; decoded here so the specs compare it as JSON. */
const post = async (path: string, body: unknown) => {
  const result = await handleRestRequest(handler, { method: 'POST', path, body });
  if (result?.encoded === undefined) return result;
  const { encoded, ...rest } = result;
  return { ...rest, body: JSON.parse(Buffer.from(encoded).toString('utf8')) as unknown };
};

const fp32Input = { name: 'x', datatype: 'FP32', shape: [2], data: [1.5, 2] };

describe('REST routes', () => {
  it.each([
    ['/v2', { kind: 'server-metadata' }],
    ['/v2/health/live', { kind: 'live' }],
    ['/v2/health/ready', { kind: 'ready' }],
    ['/v2/models/churn', { kind: 'model-metadata', model: 'churn' }],
    ['/v2/models/churn/versions/3', { kind: 'model-metadata', model: 'churn', version: '3' }],
    ['/v2/models/churn/ready', { kind: 'model-ready', model: 'churn' }],
    ['/v2/models/churn/versions/3/ready', { kind: 'model-ready', model: 'churn', version: '3' }],
    ['/v2/models/churn/infer?x=1', { kind: 'infer', model: 'churn' }],
    ['/v2/models/a%20b/versions/v%2F1/infer', { kind: 'infer', model: 'a b', version: 'v/1' }],
  ])('routes %s', (path, route) => {
    expect(matchRestRoute(path)).toEqual(route);
  });

  it.each([
    '/',
    '/v1/models/x',
    '/v2/health',
    '/v2/models',
    '/v2/models/x/explain',
    '/v2/models/%E0/ready',
  ])('leaves %s to the front end', async (path) => {
    expect(matchRestRoute(path)).toBeUndefined();
    expect(await get(path)).toBeUndefined();
  });
});

describe('REST answers', () => {
  it('answers health with 200 for true and 400 for false, and no body', async () => {
    expect(await get('/v2/health/live')).toEqual({ status: 200 });
    expect(await get('/v2/models/echo/ready')).toEqual({ status: 200 });
    expect(await get('/v2/models/echo/versions/9/ready')).toEqual({ status: 400 });
    expect(await get('/v2/models/missing/ready')).toEqual({ status: 400 });
  });

  it('answers metadata, and NOT_FOUND as 404 with the error body', async () => {
    expect(await get('/v2')).toEqual({
      status: 200,
      body: { name: 'keelson-echo', version: '0.1.0', extensions: [] },
    });
    expect(await get('/v2/models/echo/versions/1')).toMatchObject({
      status: 200,
      body: { name: 'echo', platform: 'onnxruntime_onnx', versions: ['1', '2'] },
    });
    expect(await get('/v2/models/missing')).toEqual({
      status: 404,
      body: { error: "unknown model 'missing'" },
    });
  });

  it('infers from a parsed body, echoing the id and the model version', async () => {
    expect(
      await post('/v2/models/echo/versions/1/infer', { id: 'a1', inputs: [fp32Input] }),
    ).toEqual({
      status: 200,
      body: { model_name: 'echo', model_version: '1', id: 'a1', outputs: [fp32Input] },
    });
  });

  it('infers from raw bytes with no Content-Type, as tritonclient sends them', async () => {
    const body = Buffer.from(JSON.stringify({ inputs: [fp32Input] }));
    expect(await post('/v2/models/echo/infer', body)).toMatchObject({
      status: 200,
      body: { outputs: [fp32Input] },
    });
  });

  it("reads Python's bare NaN and Infinity, but not inside strings", async () => {
    const text =
      '{"id": "NaN x", "inputs": [{"name": "x", "datatype": "FP64", "shape": [3], "data": [NaN, Infinity, -Infinity]}]}';
    expect(await post('/v2/models/echo/infer', text)).toMatchObject({
      status: 200,
      body: { id: 'NaN x', outputs: [{ data: ['NaN', 'Infinity', '-Infinity'] }] },
    });
  });

  it('returns only the requested outputs, in the order asked', async () => {
    const inputs = [fp32Input, { ...fp32Input, name: 'y' }];
    const result = await post('/v2/models/echo/infer', { inputs, outputs: [{ name: 'y' }] });
    expect(result?.body).toMatchObject({ outputs: [{ name: 'y' }] });
    expect((result?.body as { outputs: unknown[] }).outputs).toHaveLength(1);
  });

  it.each([
    ['malformed JSON', 'echo', '{"inputs": [', 400, 'the request body is not valid JSON'],
    [
      'an invalid request',
      'echo',
      { inputs: [] },
      400,
      "the request needs a non-empty 'inputs' array",
    ],
    [
      'an unknown output',
      'echo',
      { inputs: [fp32Input], outputs: [{ name: 'z' }] },
      400,
      "unknown output 'z'",
    ],
    ['an unknown model', 'missing', { inputs: [fp32Input] }, 404, "unknown model 'missing'"],
    ['a busy model', 'busy', { inputs: [fp32Input] }, 429, "model 'busy' has no free worker"],
  ])('answers %s with its status and message', async (_case, model, body, status, message) => {
    const result = await post(`/v2/models/${model}/infer`, body);
    expect(result?.status).toBe(status);
    expect((result?.body as { error: string }).error).toContain(message);
  });

  it('refuses the wrong method with 405 and the methods it allows', async () => {
    expect(await get('/v2/models/echo/infer')).toEqual({
      status: 405,
      body: { error: '/v2/models/echo/infer accepts POST only' },
      allow: 'POST',
    });
    expect(await post('/v2/health/live', {})).toMatchObject({ status: 405, allow: 'GET, HEAD' });
  });

  it('hands the deadline to the handler', async () => {
    const deadlineMs = Date.now() + 5000;
    await handleRestRequest(handler, {
      method: 'POST',
      path: '/v2/models/echo/infer',
      body: { inputs: [fp32Input] },
      deadlineMs,
    });
    expect(handler.requests.at(-1)?.deadlineMs).toBe(deadlineMs);
  });
});

describe('REST relays', () => {
  const relayed: Array<{ model: string; version?: string; body: string; deadlineMs?: number }> = [];
  const relay = {
    ...createEchoHandler(),
    infer: () => Promise.reject(new Error('a relay decodes nothing')),
    async inferRestBody(call: {
      model: string;
      version?: string;
      body: Uint8Array;
      deadlineMs?: number;
    }) {
      relayed.push({ ...call, body: Buffer.from(call.body).toString('utf8') });
      return Buffer.from('{"model_name":"churn","outputs":[]}');
    },
  };

  it('hands a raw body to inferRestBody undecoded and answers with its bytes', async () => {
    const result = await handleRestRequest(relay, {
      method: 'POST',
      path: '/v2/models/churn/versions/2/infer',
      body: Buffer.from('not even JSON'),
      deadlineMs: 123,
    });
    expect(relayed.at(-1)).toEqual({
      model: 'churn',
      version: '2',
      body: 'not even JSON',
      deadlineMs: 123,
    });
    expect(Buffer.from(result!.encoded!).toString('utf8')).toBe(
      '{"model_name":"churn","outputs":[]}',
    );
    expect(result!.status).toBe(200);
  });

  it('still answers the other routes itself', async () => {
    expect(await handleRestRequest(relay, { method: 'GET', path: '/v2/health/live' })).toEqual({
      status: 200,
    });
    expect(
      await handleRestRequest(relay, { method: 'GET', path: '/v2/models/churn/infer' }),
    ).toMatchObject({ status: 405 });
  });
});
