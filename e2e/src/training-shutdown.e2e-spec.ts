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
const GRACE_MS = 10_000;

/**
 * SIGTERM of training in the middle of a long job: the service does not hold its shutdown for the
 * whole job. It gives the job back (queued, its message nak'ed) and exits 0 within the grace; the
 * restarted service runs the job to the end.
 */
describe('SIGTERM of training mid-job', () => {
  const processes: TsProcess[] = [];
  let connection: Connection;
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await connection?.dropDatabase();
    await connection?.close();
  });

  it('gives the running job back to the queue and exits 0 within the grace', async () => {
    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/training_stop_e2e_${uniqueId()}`);
    const port = await freePort();
    const env = {
      MONGO_URL: mongoUrl,
      KEELSON_TRACING: 'false',
      LOG_LEVEL: 'warn',
      TRAINING_HTTP_PORT: String(port),
      SHUTDOWN_GRACE: `${GRACE_MS}ms`,
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

    // Far longer than the grace (about a minute here): many epochs, early stopping out of reach.
    const created = await call('POST', '/v1/training-jobs', {
      body: {
        model: `stop_${uniqueId()}`,
        dataset,
        algorithm: 'mlp',
        hyperparameters: { hidden: [96], epochs: 1000, patience: 1000 },
      },
    });
    expect(created.status).toBe(202);
    const jobs = connection.collection<{ _id: string; status: string; attempts: number }>(
      'training_jobs',
    );
    const job = () => call('GET', `/v1/training-jobs/${created.body._id}`).then((r) => r.body);
    await waitFor('the job to be mid-training', async () => (await job()).progress?.epoch >= 2, {
      timeoutMs: 60_000,
    });

    const sent = Date.now();
    await training.kill('SIGTERM');
    const stopped = { code: training.child.exitCode, ms: Date.now() - sent };
    const left = await jobs.findOne({ _id: created.body._id });
    process.stdout.write(`training SIGTERM: ${JSON.stringify({ ...stopped, job: left })}\n`);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(GRACE_MS);
    expect(left?.status).toBe('queued'); // given back at once, not left running for the lease

    training = await start();
    const done = await waitFor(
      'the job to finish on the restarted service',
      async () => {
        const j = await job();
        return j.status === 'succeeded' || j.status === 'failed' ? j : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 500 },
    );
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2, result: { version: 1 } });
    await training.kill('SIGTERM');
  }, 480_000);
});
