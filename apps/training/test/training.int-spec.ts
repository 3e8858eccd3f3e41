/**
 * @jest-environment <rootDir>/../../tools/test/onnxruntime-environment.js
 */
import { createHash } from 'node:crypto';
import { Kvm } from '@nats-io/kv';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type {
  ModelPromoted,
  ModelRegistered,
  ModelRetired,
  TrainingProgress,
} from '@keelson/schemas';
import type { EventData } from '@keelson/schemas';
import { EventPublisher } from '@keelson/messaging';
import {
  featureRowBatchId,
  FeatureRowRepository,
  FeatureStatsRepository,
} from '@keelson/persistence';
import { FeatureRowsCreated } from '@keelson/schemas';
import { uniqueId, waitFor } from '@keelson/testing';
import { trainingFixture, type TrainingFixture } from './training-fixture';

describe('training service (real NATS, real database, real onnxruntime)', () => {
  let f: TrainingFixture;
  const policyDataset = `policy_${uniqueId()}`;
  beforeAll(async () => {
    // A margin no retrained model can beat: the second version is registered, never auto-promoted.
    f = await trainingFixture({
      TRAINING_PROMOTION_MARGIN: '0.5',
      TRAINING_POLICIES: `policy_model:${policyDataset}:logistic:300`,
    });
  });
  afterAll(() => f?.close());

  const finished = (id: string) =>
    waitFor(
      `job ${id} to finish`,
      async () => {
        const job = (await f.call('GET', `/v1/training-jobs/${id}`)).body;
        return job.status === 'succeeded' || job.status === 'failed' ? job : undefined;
      },
      { timeoutMs: 60_000 },
    );

  it('trains, exports, registers and promotes a first version, then gates the next by the policy', async () => {
    const dataset = await f.seedDataset(3_000);
    const model = f.model();
    const created = await f.call('POST', '/v1/training-jobs', {
      body: { model, dataset, algorithm: 'mlp', hyperparameters: { hidden: [8], epochs: 15 } },
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ model, dataset, status: 'queued', trigger: 'api' });

    const job = await finished(created.body._id);
    expect(job).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { version: 1, promoted: true },
    });
    expect(job.result.metrics.auc).toBeGreaterThan(0.75);
    expect(job.progress.epochs).toBe(15);

    const progress = (await f.events<EventData<typeof TrainingProgress>>('ML', 'training.progress'))
      .map((e) => e.event.data)
      .filter((p) => p.jobId === job._id);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress[0]).toMatchObject({ model, epoch: 1, epochs: 15 });

    // The registry entry names everything the version was made from.
    const v1 = (await f.call('GET', `/v1/models/${model}/versions/1`)).body;
    expect(v1).toMatchObject({
      model,
      version: 1,
      source: 'training',
      dataset,
      transformVersion: 1,
      algorithm: 'mlp',
      stage: 'production',
      jobId: job._id,
      holdout: { rows: 600 },
      trainingWindow: { records: 3_000 },
    });
    expect(v1.artifact.inputs.map((i: { name: string }) => i.name).sort()).toEqual([
      'plan',
      'spend',
      'tenure',
    ]);

    // The artifact downloads intact and answers in onnxruntime with the transform inside.
    const artifact = await f.call('GET', `/v1/models/${model}/versions/1/artifact`);
    expect(artifact.status).toBe(200);
    expect(createHash('sha256').update(artifact.bytes).digest('hex')).toBe(v1.artifact.sha256);
    expect(artifact.bytes.byteLength).toBe(v1.artifact.sizeBytes);
    const session = await InferenceSession.create(artifact.bytes);
    const out = await session.run({
      tenure: new Tensor('float64', Float64Array.from([-2, 2, NaN]), [3, 1]),
      spend: new Tensor('float64', Float64Array.from([1, -1, 0]), [3, 1]),
      plan: new Tensor('string', ['basic', 'pro', 'never-seen'], [3, 1]),
    });
    const p = out.probabilities.data as Float32Array;
    expect(p[1]).toBeGreaterThan(0.8); // short tenure, high spend, basic plan: churns
    expect(p[3]).toBeLessThan(0.2);
    expect(Array.from(out.label.data as BigInt64Array).slice(0, 2)).toEqual([1n, 0n]);
    await session.release();

    const kv = await new Kvm(f.messaging.js).open('models');
    expect((await kv.get(model))!.json()).toMatchObject({
      production: 1,
      history: [],
      artifacts: { '1': v1.artifact.sha256 },
    });

    // Retrained on the same data: not better by the 0.5 margin, so registered only.
    const second = await f.call('POST', '/v1/training-jobs', {
      body: { model, dataset, algorithm: 'logistic' },
    });
    const job2 = await finished(second.body._id);
    expect(job2).toMatchObject({ status: 'succeeded', result: { version: 2, promoted: false } });
    expect((await f.call('GET', `/v1/models/${model}/versions/2`)).body.stage).toBe('registered');

    const registered = (await f.events<EventData<typeof ModelRegistered>>('ML', 'model.registered'))
      .map((e) => e.event.data)
      .filter((e) => e.model === model);
    expect(registered.map((e) => e.version)).toEqual([1, 2]);
    expect(registered[0].artifact.sha256).toBe(v1.artifact.sha256);
  });

  it('promotes, rolls back and archives by hand, each an event, and refuses what would break serving', async () => {
    const dataset = await f.seedDataset(1_000, 9);
    const model = f.model();
    for (const algorithm of ['logistic', 'logistic']) {
      const job = await f.call('POST', '/v1/training-jobs', {
        body: { model, dataset, algorithm, hyperparameters: { epochs: 5 } },
      });
      await finished(job.body._id);
    }
    const promote = await f.call('POST', `/v1/models/${model}/versions/2/promote`, {
      body: { reason: 'better on Tuesdays' },
    });
    expect(promote.status).toBe(200);
    expect(promote.body).toMatchObject({ production: 2, history: [1] });

    const canary = await f.call('POST', `/v1/models/${model}/versions/1/promote`, {
      body: { stage: 'canary', canaryWeight: 0.25 },
    });
    expect(canary.body).toMatchObject({ production: 2, canary: 1, canaryWeight: 0.25 });
    expect((await f.call('GET', `/v1/models/${model}/versions/1`)).body.stage).toBe('canary');

    expect((await f.call('POST', `/v1/models/${model}/versions/2/archive`)).status).toBe(409);
    const rollback = await f.call('POST', `/v1/models/${model}/rollback`, {
      body: { reason: 'bad' },
    });
    expect(rollback.body).toMatchObject({ production: 1, history: [] });
    expect(Object.keys(rollback.body.artifacts)).toEqual(['1']); // 2 serves nothing any more
    const listed = (await f.call('GET', `/v1/models/${model}`)).body;
    expect(
      listed.versions.map((v: { version: number; stage: string }) => [v.version, v.stage]),
    ).toEqual([
      [2, 'archived'],
      [1, 'production'],
    ]);
    expect((await f.call('POST', `/v1/models/${model}/rollback`)).status).toBe(409);
    expect((await f.call('POST', `/v1/models/${model}/versions/2/promote`)).status).toBe(409);
    // The registry's list (once a 500 on FerretDB, which lacks the `$max` accumulator).
    const all = await f.call('GET', '/v1/models');
    expect(all.status).toBe(200);
    expect(all.body.models.find((m: { model: string }) => m.model === model)).toMatchObject({
      model,
      versions: 2,
      latest: 2,
    });

    const promoted = (await f.events<EventData<typeof ModelPromoted>>('ML', 'model.promoted'))
      .map((e) => e.event.data)
      .filter((e) => e.model === model);
    expect(promoted.map((e) => [e.version, e.stage])).toEqual([
      [1, 'production'],
      [2, 'production'],
      [1, 'canary'],
      [1, 'production'],
    ]);
    expect(promoted[1]).toMatchObject({ previousVersion: 1, reason: 'better on Tuesdays' });
    const retired = (await f.events<EventData<typeof ModelRetired>>('ML', 'model.retired'))
      .map((e) => e.event.data)
      .filter((e) => e.model === model);
    expect(retired).toEqual([{ model, version: 2, reason: 'rolled back: bad' }]);
  });

  it('registers an uploaded ONNX model with its graph read, and refuses bytes onnxruntime cannot load', async () => {
    const dataset = await f.seedDataset(500, 4);
    const source = f.model();
    const job = await f.call('POST', '/v1/training-jobs', {
      body: { model: source, dataset, algorithm: 'logistic', hyperparameters: { epochs: 3 } },
    });
    await finished(job.body._id);
    const onnx = (await f.call('GET', `/v1/models/${source}/versions/1/artifact`)).bytes;

    const model = f.model();
    const uploaded = await f.call('POST', `/v1/models/${model}/versions`, { raw: onnx });
    expect(uploaded.status).toBe(201);
    expect(uploaded.body).toMatchObject({
      model,
      version: 1,
      source: 'upload',
      stage: 'registered',
    });
    expect(uploaded.body.artifact.outputs).toEqual([
      { name: 'probabilities', type: 'float32', shape: expect.any(Array) },
      { name: 'label', type: 'int64', shape: expect.any(Array) },
    ]);

    const garbage = await f.call('POST', `/v1/models/${model}/versions`, {
      raw: new TextEncoder().encode('definitely not protobuf'),
    });
    expect(garbage.status).toBe(400);
    expect(garbage.body.error).toMatch(/onnxruntime/);
    const noBody = await f.call('POST', `/v1/models/${model}/versions`, { body: { x: 1 } });
    expect(noBody.status).toBe(400);
  });

  it('answers bad requests with the field and the reason', async () => {
    const missing = await f.call('POST', '/v1/training-jobs', {
      body: { model: 'm', algorithm: 'mlp' },
    });
    expect(missing.status).toBe(400);
    expect(JSON.stringify(missing.body.details)).toMatch(/dataset/);
    const badHyper = await f.call('POST', '/v1/training-jobs', {
      body: { model: 'm', dataset: 'd', algorithm: 'mlp', hyperparameters: { hidden: [-1] } },
    });
    expect(badHyper.status).toBe(400);
    expect(badHyper.body.error).toMatch(/hidden/);
    const unknown = await f.call('POST', '/v1/training-jobs', {
      body: { model: 'm', dataset: 'nope', algorithm: 'logistic' },
    });
    expect(unknown.status).toBe(404);
    expect((await f.call('POST', '/v1/training-jobs', { raw: '{"model":' })).status).toBe(400);
    expect((await f.call('GET', '/v1/models/bad name!/versions/1')).status).toBe(400);
    expect((await f.call('GET', '/v1/models/m/versions/zero')).status).toBe(400);
    expect((await f.call('GET', '/v1/training-jobs', { key: null })).status).toBe(401);
    const ingestOnly = await f.call('GET', '/v1/models', { key: await f.createKey(['ingest']) });
    expect(ingestOnly.status).toBe(403);
  });

  it('fails a job that cannot succeed at once, with its reason', async () => {
    const dataset = await f.seedDataset(5, 5);
    const model = f.model();
    const job = await f.call('POST', '/v1/training-jobs', {
      body: { model, dataset, algorithm: 'logistic' },
    });
    const done = await finished(job.body._id);
    expect(done).toMatchObject({ status: 'failed', attempts: 1 });
    expect(done.error).toMatch(/only 5 labelled records/);
  });

  it('requests one job per threshold of new feature rows under a retraining policy', async () => {
    await f.seedDataset(1_000, 6, policyDataset);
    const rows = new FeatureRowRepository(f.connection);
    const stats = new FeatureStatsRepository(f.connection);
    // As preprocessing stores them: one document per validated event (here, per call), counted
    // into the dataset's statistics, whose count the policy reads.
    const addRows = async (from: number, to: number) => {
      const batchId = featureRowBatchId(policyDataset, `event-${from}`);
      await rows.insertNew([
        {
          _id: batchId,
          dataset: policyDataset,
          eventId: `event-${from}`,
          transformVersion: 1,
          rows: Array.from({ length: to - from }, (_, k) => ({
            recordId: `c${from + k}`,
            features: [0],
            label: 0,
          })),
          count: to - from,
          createdAt: new Date(),
        },
      ]);
      await stats.merge(policyDataset, { records: to - from, fields: {} }, [batchId]);
    };
    const announce = (n: number) =>
      new EventPublisher(f.messaging.js, 'preprocessing/test').publish(
        FeatureRowsCreated,
        {
          dataset: policyDataset,
          rows: [{ recordId: `c${n}`, transformVersion: 1, features: [0], label: 0 }],
        },
        { subject: policyDataset },
      );
    const policyJobs = async () =>
      (
        (await f.call('GET', '/v1/training-jobs?model=policy_model')).body.jobs as Array<{
          trigger: string;
          status: string;
        }>
      ).map((j) => j);

    await addRows(0, 850); // past 300 and 600: one job, for the latest threshold
    await announce(1);
    await announce(2); // a burst of events: still one check, one job
    const first = await waitFor(
      'a policy job to finish',
      async () => {
        const jobs = await policyJobs();
        return jobs.length === 1 && jobs[0].status === 'succeeded' ? jobs : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(first[0].trigger).toBe('policy:600');

    await announce(4); // no new threshold: no new job
    await addRows(850, 1_000); // past 900
    await announce(5);
    await waitFor("the second threshold's job", async () => (await policyJobs()).length === 2, {
      timeoutMs: 60_000,
    });
    expect((await policyJobs()).map((j) => j.trigger).sort()).toEqual(['policy:600', 'policy:900']);
  }, 180_000);
});
