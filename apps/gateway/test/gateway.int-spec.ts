import { Client, credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { inferenceServiceDefinition, type InferenceRpc, type Tensor } from '@keelson/inference';
import { waitFor } from '@keelson/testing';
import { churnInputs, gatewayFixture, type GatewayFixture } from './gateway-fixture';

/** The status a raw gRPC call to the gateway ends with (the lib's client folds unknown ones into INTERNAL). */
function grpcStatus(
  address: string,
  rpc: InferenceRpc,
  request: object,
  key?: string,
): Promise<status> {
  const client = new Client(address, credentials.createInsecure());
  const method = inferenceServiceDefinition()[rpc];
  const metadata = new Metadata();
  if (key) metadata.set('authorization', `Bearer ${key}`);
  return new Promise((resolve) =>
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      metadata,
      { deadline: Date.now() + 10_000 },
      (error: ServiceError | null) => {
        client.close();
        resolve(error ? error.code : status.OK);
      },
    ),
  );
}

const tensors = (count: number): Tensor[] => [
  {
    name: 'tenure',
    datatype: 'FP64',
    shape: [count, 1],
    data: Float64Array.from({ length: count }, (_, i) => i),
  },
  { name: 'spend', datatype: 'FP64', shape: [count, 1], data: new Float64Array(count).fill(20) },
  {
    name: 'plan',
    datatype: 'BYTES',
    shape: [count, 1],
    data: Array.from({ length: count }, () => 'pro'),
  },
];

describe('gateway in front of real prediction nodes (REST and gRPC)', () => {
  let f: GatewayFixture;
  let nodeIds: string[];
  beforeAll(async () => {
    f = await gatewayFixture();
    await f.publishModel({ production: 1 });
    nodeIds = (await f.startNodes(2)).map((n) => n.nodeId);
  });
  afterAll(() => f?.close());

  it('answers the protocol over REST by forwarding to the nodes', async () => {
    expect((await f.call('GET', '/v2/health/live', { key: null })).status).toBe(200);
    expect((await f.call('GET', '/v2/health/ready', { key: null })).status).toBe(200);
    expect((await f.call('GET', '/health/ready', { key: null })).body).toMatchObject({
      status: 'ready',
      routableNodes: 2,
    });
    expect((await f.call('GET', '/v2')).body).toMatchObject({ name: 'keelson-gateway' });
    expect((await f.call('GET', `/v2/models/${f.model}`)).body).toMatchObject({
      name: f.model,
      versions: ['1'],
    });
    expect((await f.call('GET', `/v2/models/${f.model}/versions/1/ready`)).status).toBe(200);
    expect((await f.call('GET', `/v2/models/${f.model}/versions/7/ready`)).status).toBe(400);

    const answer = await f.call('POST', `/v2/models/${f.model}/infer`, {
      body: { id: 'req-1', inputs: churnInputs(3) },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ model_name: f.model, model_version: '1', id: 'req-1' });
    expect(
      answer.body.outputs.map((o: { name: string; shape: number[] }) => [o.name, o.shape]),
    ).toEqual([
      ['probabilities', [3, 2]],
      ['label', [3]],
    ]);
    const versioned = await f.call('POST', `/v2/models/${f.model}/versions/1/infer`, {
      body: { inputs: churnInputs(3), outputs: [{ name: 'label' }] },
    });
    expect(versioned.body.outputs).toEqual([answer.body.outputs[1]]);
  });

  it("passes the request's own mistakes through untouched and never retries them", async () => {
    // Retries only: with hedging on by default, a slow 400 may be hedged like any slow request
    // (the hedge cannot know the answer will be a 400); it is never retried after it.
    const retried = { kind: 'retry' };
    const retriesBefore = await f.metric('keelson_gateway_retries_total', retried);
    const bad = await f.call('POST', `/v2/models/${f.model}/infer`, {
      body: { inputs: [{ name: 'tenure', datatype: 'FP64', shape: [2, 1], data: [1] }] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/tenure/);
    expect(
      (
        await f.call('POST', '/v2/models/nobody-has-this/infer', {
          body: { inputs: churnInputs(1) },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await f.call('POST', `/v2/models/${f.model}/versions/9/infer`, {
          body: { inputs: churnInputs(1) },
        })
      ).status,
    ).toBe(404);
    expect(await f.metric('keelson_gateway_retries_total', retried)).toBe(retriesBefore);
  });

  it('answers the protocol over gRPC', async () => {
    const client = f.grpc();
    expect(await client.serverReady()).toBe(true);
    expect(await client.modelReady(f.model)).toBe(true);
    const response = await client.infer({
      model: f.model,
      id: 'g-1',
      inputs: tensors(4),
      deadlineMs: Date.now() + 5_000,
    });
    expect(response).toMatchObject({ model: f.model, version: '1', id: 'g-1' });
    expect(response.outputs.map((o) => [o.name, o.shape])).toEqual([
      ['probabilities', [4, 2]],
      ['label', [4]],
    ]);
  });

  it('refuses calls without a valid key (401), without the predict scope (403) and over the rate (429)', async () => {
    const body = { inputs: churnInputs(1) };
    const path = `/v2/models/${f.model}/infer`;
    expect((await f.call('POST', path, { body, key: null })).status).toBe(401);
    expect((await f.call('POST', path, { body, key: 'kls_0123456789abcdef_nope' })).status).toBe(
      401,
    );
    expect((await f.call('GET', `/v2/models/${f.model}`, { key: null })).status).toBe(401);
    const trainer = await f.createKey(['train']);
    const denied = await f.call('POST', path, { body, key: trainer });
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatch(/predict/);

    const slow = await f.createKey(['predict'], { ratePerSecond: 1, burst: 2 });
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await f.call('POST', path, { body, key: slow }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
    expect(answers[2].headers.get('retry-after')).toBe('1');
  });

  it('refuses gRPC calls the same way: UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED', async () => {
    const address = f.gateway.grpcAddress;
    const ready = { name: f.model, version: '' };
    expect(await grpcStatus(address, 'ServerReady', {})).toBe(status.OK); // health needs no key
    expect(await grpcStatus(address, 'ModelReady', ready)).toBe(status.UNAUTHENTICATED);
    expect(await grpcStatus(address, 'ModelReady', ready, 'kls_0123456789abcdef_nope')).toBe(
      status.UNAUTHENTICATED,
    );
    expect(await grpcStatus(address, 'ModelReady', ready, await f.createKey(['ingest']))).toBe(
      status.PERMISSION_DENIED,
    );
    const slow = await f.createKey(['predict'], { ratePerSecond: 1, burst: 1 });
    expect(await grpcStatus(address, 'ModelReady', ready, slow)).toBe(status.OK);
    expect(await grpcStatus(address, 'ModelReady', ready, slow)).toBe(status.RESOURCE_EXHAUSTED);
    await expect(f.grpc(null).infer({ model: f.model, inputs: tensors(1) })).rejects.toBeDefined();
  });

  it('takes a node the routing bucket marks ejected out of rotation, and back when re-admitted', async () => {
    const [ejected, kept] = nodeIds;
    await f.setRouting(ejected, { state: 'ejected', reason: 'test' });
    await waitFor('the gateway to drop the ejected node', () =>
      f.gateway.nodes().some((n) => n.nodeId === ejected && !n.routable && n.routing === 'ejected'),
    );
    await f.freshHeartbeats();
    const before = { ejected: f.served(ejected), kept: f.served(kept) };
    for (let i = 0; i < 40; i++)
      expect(
        (
          await f.call('POST', `/v2/models/${f.model}/infer`, {
            body: { inputs: churnInputs(1, i) },
          })
        ).status,
      ).toBe(200);
    await f.freshHeartbeats();
    expect(f.served(ejected)).toBe(before.ejected);
    expect(f.served(kept) - before.kept).toBeGreaterThanOrEqual(40);

    await f.setRouting(ejected, undefined);
    await waitFor('the gateway to route to the node again', () =>
      f.gateway.nodes().some((n) => n.nodeId === ejected && n.routable),
    );
    for (let i = 0; i < 40; i++)
      await f.call('POST', `/v2/models/${f.model}/infer`, { body: { inputs: churnInputs(1, i) } });
    await f.freshHeartbeats();
    expect(f.served(ejected)).toBeGreaterThan(before.ejected);
  });

  it('labels its metrics by model and version and heartbeats on telemetry.gateway.<id>', async () => {
    const text = (await f.call('GET', '/metrics', { key: null })).body as string;
    expect(text).toMatch(
      new RegExp(`keelson_gateway_requests_total\\{model="${f.model}",version="1"\\} \\d+`),
    );
    expect(text).toMatch(
      new RegExp(
        `keelson_gateway_request_duration_seconds_bucket\\{le="0.1",model="${f.model}",version="1"\\}`,
      ),
    );
    expect(text).toMatch(/keelson_gateway_requests_total\{model="_unknown",version=""\} \d+/);

    const beat = await new Promise<{ type: string; data: Record<string, unknown> }>((resolve) => {
      const sub = f.messaging.nc.subscribe(`telemetry.gateway.gateway_${f.id}`, {
        callback: (_e, msg) => {
          sub.unsubscribe();
          resolve(msg.json());
        },
      });
    });
    expect(beat.type).toBe('keelson.telemetry.gateway');
    expect(beat.data).toMatchObject({ gatewayId: `gateway_${f.id}`, openCircuits: [] });
    expect(beat.data.requests as number).toBeGreaterThan(0);
  });
});
