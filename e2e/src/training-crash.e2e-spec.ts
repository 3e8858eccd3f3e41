import { uniqueId, waitFor } from '@keelson/testing';
import { trainingService } from './support/training-service';

/**
 * kill -9 of the training service in the middle of a job, then restart: the job must not stay
 * "running". The restarted service's sweep marks it queued once its heartbeat stops, JetStream
 * redelivers its request when the ack wait runs out, and the second attempt finishes it.
 */
describe('kill -9 of training mid-job', () => {
  let service: Awaited<ReturnType<typeof trainingService>> | undefined;
  afterAll(() => service?.close());

  it('retries the job on the restarted service and never leaves it running', async () => {
    service = await trainingService({ TRAINING_JOB_LEASE: '3s' });
    const { connection, call, dataset } = service;
    let training = await service.start();

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

    training = await service.start();
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
