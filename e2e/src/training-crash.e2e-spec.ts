import { join } from 'node:path';
import {
  ApiKeyRepository,
  connectMongo,
  DatasetRepository,
  RawRecordRepository,
  rawRecordId,
  TransformRepository,
} from '@keelson/persistence';
import {
  apiClient,
  freePort,
  runTsProcess,
  seedChurnDataset,
  testInfra,
  uniqueId,
  waitFor,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';

const root = join(__dirname, '../..');

/**
 * kill -9 of the training service in the middle of a job, then restart: the job must not stay
 * "running". The restarted service's sweep marks it queued once its heartbeat stops, JetStream
 * redelivers its request when the ack wait runs out, and the second attempt finishes it.
 */
describe('kill -9 of training mid-job', () => {
  const processes: TsProcess[] = [];
  let connection: Connection;
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('retries the job on the restarted service and never leaves it running', async () => {
    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/training_e2e_${uniqueId()}`);
    const port = await freePort();
    const env = {
      MONGO_URL: mongoUrl,
      KEELSON_TRACING: 'false',
      LOG_LEVEL: 'warn',
      TRAINING_HTTP_PORT: String(port),
      TRAINING_JOB_LEASE: '3s',
    };
    const start = async () => {
      const p = runTsProcess(join(root, 'dist/apps/training/src/main.js'), env); // as deployed
      processes.push(p);
      await waitForOk(`http://127.0.0.1:${port}/health/ready`);
      return p;
    };

    connection = await connectMongo({ url: mongoUrl });
    const { key } = await new ApiKeyRepository(connection).create({
      name: 'e2e',
      scopes: ['admin'],
      ratePerSecond: 1_000,
      burst: 1_000,
    });
    const call = apiClient(() => `http://127.0.0.1:${port}`, key);
    const dataset = await seedChurnDataset(
      {
        datasets: new DatasetRepository(connection),
        records: new RawRecordRepository(connection),
        transforms: new TransformRepository(connection),
        recordId: rawRecordId,
      },
      20_000,
    );
    let training = await start();

    // Long enough to be killed in the middle: many epochs, early stopping out of reach.
    const created = await call('POST', '/v1/training-jobs', {
      body: {
        model: `crash_${uniqueId()}`,
        dataset,
        algorithm: 'mlp',
        hyperparameters: { hidden: [32], epochs: 120, patience: 1000 },
      },
    });
    expect(created.status).toBe(202);
    const job = () => call('GET', `/v1/training-jobs/${created.body._id}`).then((r) => r.body);
    await waitFor('the job to be mid-training', async () => (await job()).progress?.epoch >= 2, {
      timeoutMs: 60_000,
    });
    await training.kill('SIGKILL');
    const stored = await connection
      .collection<{ _id: string; status: string }>('training_jobs')
      .findOne({ _id: created.body._id });
    expect(stored?.status).toBe('running'); // as the dead worker left it

    training = await start();
    const seen = new Set<string>();
    const done = await waitFor(
      'the job to finish on the restarted service',
      async () => {
        const j = await job();
        seen.add(`${j.status}@${j.attempts}`);
        return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
      },
      { timeoutMs: 150_000, intervalMs: 250 },
    );
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { version: 1 } });
    expect(seen).toContain('queued@1'); // the sweep caught the dead worker's job
    expect(seen).toContain('running@2');
    await training.kill('SIGTERM');
  }, 240_000);
});
