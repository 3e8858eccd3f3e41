import { Kvm } from '@nats-io/kv';
import { createInferenceGrpcClient, type Tensor } from '@keelson/inference';
import { readEvents } from '@keelson/messaging';
import {
  encodeBucketValue,
  RoutingValue,
  type EventData,
  type NodeHeartbeat,
  type PredictionSampled,
} from '@keelson/schemas';
import { testNodeToken, waitFor } from '@keelson/testing';
import { churnInputsOf as churnInputs } from '@keelson/testing';
import { nodeProcessFixture, type NodeProcessFixture } from './node-process';

const rows = [
  { tenure: -2, spend: 1, plan: 'basic' },
  { tenure: null, spend: 0, plan: 'never-seen' },
  { tenure: 1.5, spend: -1, plan: null },
];

describe('prediction node in its own process (real NATS, real onnxruntime, REST and gRPC)', () => {
  let f: NodeProcessFixture;
  let model: string;
  beforeAll(async () => {
    f = await nodeProcessFixture({ PREDICTION_SAMPLE_RATE: '1' });
    model = f.model;
  }, 120_000);
  afterAll(() => f?.close());

  it('answers the protocol over REST: health, metadata, inference with and without a version', async () => {
    expect((await f.call('GET', '/v2/health/live')).status).toBe(200);
    expect((await f.call('GET', '/v2/health/ready')).status).toBe(200);
    expect((await f.call('GET', '/v2')).body).toMatchObject({ name: 'keelson-prediction' });
    const meta = (await f.call('GET', `/v2/models/${model}`)).body;
    expect(meta).toMatchObject({ name: model, versions: ['1'], platform: 'onnxruntime_onnx' });
    expect(
      meta.inputs.map((i: { name: string; datatype: string }) => [i.name, i.datatype]),
    ).toEqual([
      ['tenure', 'FP64'],
      ['spend', 'FP64'],
      ['plan', 'BYTES'],
    ]);
    expect(meta.outputs.map((o: { name: string }) => o.name)).toEqual(['probabilities', 'label']);
    expect((await f.call('GET', `/v2/models/${model}/versions/1/ready`)).status).toBe(200);

    const answer = await f.call('POST', `/v2/models/${model}/infer`, {
      body: { id: 'req-7', inputs: churnInputs(rows) },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ model_name: model, model_version: '1', id: 'req-7' });
    const [probabilities, label] = answer.body.outputs;
    expect(probabilities).toMatchObject({ name: 'probabilities', datatype: 'FP32', shape: [3, 2] });
    for (let r = 0; r < 3; r++)
      expect(probabilities.data[2 * r] + probabilities.data[2 * r + 1]).toBeCloseTo(1, 5);
    expect(label).toMatchObject({ name: 'label', datatype: 'INT64', shape: [3] });

    // Nested data, an explicit version and one requested output give the same numbers.
    const nested = churnInputs(rows).map((t) => ({ ...t, data: t.data.map((v) => [v]) }));
    const explicit = await f.call('POST', `/v2/models/${model}/versions/1/infer`, {
      body: { inputs: nested, outputs: [{ name: 'probabilities' }] },
    });
    expect(explicit.body.outputs).toEqual([probabilities]);
  });

  it('answers bad requests as the spec says: 400 or 404 with {"error"}', async () => {
    const unknown = await f.call('POST', '/v2/models/nope/infer', {
      body: { inputs: churnInputs(rows) },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatch(/nope/);
    expect(
      (
        await f.call('POST', `/v2/models/${model}/versions/9/infer`, {
          body: { inputs: churnInputs(rows) },
        })
      ).status,
    ).toBe(404);
    const badShape = await f.call('POST', `/v2/models/${model}/infer`, {
      body: { inputs: [{ name: 'spend', datatype: 'FP64', shape: [2, 1], data: [1] }] },
    });
    expect(badShape.status).toBe(400);
    expect(badShape.body.error).toMatch(/spend/);
    const missing = await f.call('POST', `/v2/models/${model}/infer`, {
      body: { inputs: churnInputs(rows).slice(0, 2) },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatch(/plan/);
    const notJson = await f.call('POST', `/v2/models/${model}/infer`, { raw: '{"inputs":' });
    expect(notJson.status).toBe(400);
    expect(typeof notJson.body.error).toBe('string');
    expect((await f.call('GET', '/v2/models/nope/ready')).status).toBe(400);
  });

  it('answers inference, metadata and drills only to a caller with the node token', async () => {
    const body = { inputs: churnInputs(rows) };
    const infer = `/v2/models/${model}/infer`;
    for (const key of [null, 'not-the-node-token-0123', `${testNodeToken()}x`]) {
      const refused = await f.call('POST', infer, { body, key });
      expect(refused.status).toBe(401);
      expect(refused.body.error).toMatch(/node token/);
      expect(refused.body.error).not.toContain(testNodeToken());
      expect((await f.call('GET', `/v2/models/${model}`, { key })).status).toBe(401);
      expect((await f.call('GET', '/v2', { key })).status).toBe(401);
    }
    // Probes and scrapes carry no secrets: health and metrics stay open.
    expect((await f.call('GET', '/v2/health/ready', { key: null })).status).toBe(200);
    expect((await f.call('GET', '/health/ready', { key: null })).status).toBe(200);
    expect((await f.call('GET', '/metrics', { key: null })).status).toBe(200);
    expect((await f.call('POST', infer, { body })).status).toBe(200);

    const anonymous = createInferenceGrpcClient(f.addresses.grpc);
    const wrong = createInferenceGrpcClient(f.addresses.grpc, {
      metadata: { authorization: 'Bearer not-the-node-token-0123' },
    });
    try {
      for (const client of [anonymous, wrong]) {
        expect(await client.serverLive()).toBe(true);
        await expect(client.modelMetadata(model)).rejects.toMatchObject({
          code: 'UNAUTHENTICATED',
        });
        await expect(
          client.infer({
            model,
            inputs: [
              { name: 'spend', datatype: 'FP64', shape: [1, 1], data: Float64Array.from([1]) },
            ],
          }),
        ).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
      }
    } finally {
      anonymous.close();
      wrong.close();
    }
  });

  it('answers the same over gRPC, raw and typed contents, with statuses for errors', async () => {
    const client = f.grpc();
    try {
      expect(await client.serverLive()).toBe(true);
      expect(await client.modelReady(model, '1')).toBe(true);
      const inputs: Tensor[] = [
        {
          name: 'tenure',
          datatype: 'FP64',
          shape: [3, 1],
          data: Float64Array.from([-2, NaN, 1.5]),
        },
        { name: 'spend', datatype: 'FP64', shape: [3, 1], data: Float64Array.from([1, 0, -1]) },
        { name: 'plan', datatype: 'BYTES', shape: [3, 1], data: ['basic', 'never-seen', ''] },
      ];
      const raw = await client.infer({ model, id: 'g-1', inputs }, { raw: true });
      const typed = await client.infer({ model, version: '1', inputs }, { raw: false });
      expect(raw).toMatchObject({ model, version: '1', id: 'g-1' });
      expect(Array.from(raw.outputs[0].data as Float32Array)).toEqual(
        Array.from(typed.outputs[0].data as Float32Array),
      );
      const rest = await f.call('POST', `/v2/models/${model}/infer`, {
        body: { inputs: churnInputs(rows) },
      });
      // JSON writes each float32 in its shortest exact form: the same float32 values.
      expect(Array.from(raw.outputs[0].data as Float32Array)).toEqual(
        (rest.body.outputs[0].data as number[]).map(Math.fround),
      );
      await expect(client.infer({ model: 'nope', inputs })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(
        client.infer({ model, inputs: [{ ...inputs[1], shape: [2, 1] }] }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    } finally {
      client.close();
    }
  });

  it('heartbeats, registers in the nodes bucket, samples predictions and honours ejection', async () => {
    const beat = await waitFor('a heartbeat with the model loaded', async () => {
      const events = await readEvents<EventData<typeof NodeHeartbeat>>(
        f.messaging.js,
        'TELEMETRY',
        `telemetry.node.${f.nodeId}`,
      );
      const last = events.at(-1)?.event.data;
      return last && last.requests > 0 ? last : undefined;
    });
    expect(beat.models).toEqual([
      expect.objectContaining({ name: model, version: 1, ready: true, queueCapacity: 512 }),
    ]);
    expect(beat.models[0].calls.ok).toBeGreaterThan(0);
    // The client errors the earlier tests sent (an unknown model, a bad shape) are the callers',
    // never the node's own failures.
    expect(beat.calls.clientErrors).toBeGreaterThan(0);
    expect(beat.calls.serverErrors).toBe(0);
    expect(beat.requests).toBe(
      beat.calls.ok + beat.calls.clientErrors + beat.calls.serverErrors + beat.calls.overloaded,
    );
    expect(Date.parse(beat.startedAt)).toBeLessThanOrEqual(Date.parse(beat.sentAt));
    expect(beat.addresses).toEqual(f.addresses);
    const nodes = await new Kvm(f.messaging.js).open('nodes');
    expect((await nodes.get(f.nodeId))!.json()).toMatchObject({
      nodeId: f.nodeId,
      models: [{ name: model, version: 1, ready: true }],
    });

    // Samples leave in batches, at most a flush interval after the call.
    const samples = await waitFor('sampled predictions', async () => {
      const events = await readEvents<EventData<typeof PredictionSampled>>(
        f.messaging.js,
        'PREDICTIONS',
        `predictions.${model}`,
      );
      return events.length > 0 ? events : undefined;
    });
    expect(samples[0].event.data).toMatchObject({ model, version: 1, nodeId: f.nodeId });
    const plan = samples[0].event.data.samples[0].inputs.find((t) => t.name === 'plan');
    expect(plan).toMatchObject({ datatype: 'BYTES' });
    expect(plan!.shape[0]).toBe(plan!.data.length);

    const routing = await new Kvm(f.messaging.js).open('routing');
    // A malformed entry is ignored (the node stays ready), a valid one is followed.
    await routing.put(f.nodeId, '{"state": "ejected"');
    expect((await f.call('GET', '/v2/health/ready')).status).toBe(200);
    await routing.put(
      f.nodeId,
      encodeBucketValue(RoutingValue, {
        state: 'ejected',
        weight: 0,
        reason: 'test',
        since: new Date().toISOString(),
        ejections: 1,
      }),
    );
    await waitFor(
      'readiness to fail',
      async () => (await f.call('GET', '/v2/health/ready')).status === 400,
    );
    expect((await f.call('GET', '/health/ready')).body).toMatchObject({
      routing: 'ejected',
      reason: 'test',
    });
    await routing.delete(f.nodeId);
    await waitFor(
      'readiness to return',
      async () => (await f.call('GET', '/v2/health/ready')).status === 200,
    );
  });
});
