import { uniqueId, waitFor } from '@keelson/testing';
import { trainingService } from './support/training-service';
const GRACE_MS = 10_000;

/**
 * SIGTERM of training in the middle of a long job: the service does not hold its shutdown for the
 * whole job. It gives the job back (queued, its message nak'ed) and exits 0 within the grace; the
 * restarted service runs the job to the end.
 */
describe('SIGTERM of training mid-job', () => {
  let service: Awaited<ReturnType<typeof trainingService>> | undefined;
  afterAll(() => service?.close());

  it('gives the running job back to the queue and exits 0 within the grace', async () => {
    service = await trainingService({ SHUTDOWN_GRACE: `${GRACE_MS}ms` });
    const { connection, call, dataset } = service;
    let training = await service.start();

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

    training = await service.start();
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
