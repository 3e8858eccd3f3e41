import type { RunningService } from '@keelson/service-kit';
import { privateNats, testInfra, uniqueId, waitFor } from '@keelson/testing';
import { startPreprocessing } from '../src/bootstrap';
import { preprocessingConfig } from '../src/config';

/**
 * Readiness tells the truth about NATS: a connection that lost its server stays open while it
 * reconnects, and a service that answered "ready" then took traffic it could not pass on.
 */
describe('readiness while NATS is away (a NATS server of the test own)', () => {
  let nats: Awaited<ReturnType<typeof privateNats>>;
  let service: RunningService;
  afterAll(async () => {
    await nats?.start();
    await service?.close();
    await nats?.stop();
  });

  it('answers 503 naming NATS while disconnected, and 200 once it reconnected', async () => {
    nats = await privateNats();
    service = await startPreprocessing(
      preprocessingConfig.load({
        ...process.env,
        NATS_URL: nats.url,
        MONGO_URL: testInfra.mongoUrl.replace(/\/[^/]*$/, `/readiness_${uniqueId()}`),
        PREPROCESSING_HTTP_PORT: '0',
        KEELSON_TRACING: 'false',
        LOG_LEVEL: 'error',
      }),
    );
    const ready = async () => {
      const r = await fetch(`${service.url}/health/ready`);
      return { status: r.status, checks: ((await r.json()) as { checks: unknown }).checks };
    };
    expect(await ready()).toEqual({ status: 200, checks: { database: 'up', nats: 'up' } });
    await nats.stop();
    await waitFor('readiness to see NATS gone', async () => (await ready()).status === 503, {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    expect(await ready()).toEqual({ status: 503, checks: { database: 'up', nats: 'down' } });
    await nats.start();
    await waitFor('readiness back', async () => (await ready()).status === 200, {
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  }, 90_000);
});
