import { createServer, type Server } from 'node:http';
import { connectNats, decodeJson, provision, type Messaging } from '@keelson/messaging';
import { ApiKeyRepository, connectMongo, type ApiScope } from '@keelson/persistence';
import { CATALOGUE, type AlertData } from '@keelson/schemas';
import type { RunningService } from '@keelson/service-kit';
import { apiClient, freePort, testInfra, uniqueId, waitFor } from '@keelson/testing';
import type { Connection } from 'mongoose';
import { startMonitoring } from '../src/bootstrap';
import { monitoringConfig } from '../src/config';

/** What an Alertmanager-compatible receiver got. */
export interface WebhookCall {
  status: string;
  alerts: Array<{
    status: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  }>;
}

/**
 * A real monitoring service on a free port with a database of its own, on the shared NATS server,
 * with fast ticks and scaled SLO windows, and an Alertmanager-style receiver it forwards to. The
 * test sees every alert event published on `alert.>` (core subscription) for its own targets.
 */
export async function monitoringFixture(env: Record<string, string> = {}) {
  const id = uniqueId();
  const prefix = `mon${id}_`;
  const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/monitoring_test_${id}`);
  const messaging: Messaging = await connectNats({
    url: testInfra.natsUrl,
    name: 'monitoring-test',
  });
  await provision(messaging.nc, messaging.jsm, CATALOGUE);

  const webhook: WebhookCall[] = [];
  const receiver: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += String(chunk)));
    req.on('end', () => {
      webhook.push(JSON.parse(body) as WebhookCall);
      res.end('ok');
    });
  });
  const receiverPort = await freePort();
  await new Promise<void>((resolve) => receiver.listen(receiverPort, '127.0.0.1', resolve));

  const configEnv = {
    ...process.env,
    MONGO_URL: mongoUrl,
    MONITORING_HTTP_PORT: '0',
    MONITORING_TICK: '100ms',
    MONITORING_SLO_WINDOW_SCALE: '0.001',
    MONITORING_SLO_MIN_REQUESTS: '5',
    MONITORING_SLO_EVALUATE: '100ms',
    MONITORING_DRIFT_WINDOW: '300',
    MONITORING_DRIFT_MIN_ROWS: '100',
    MONITORING_ALERTMANAGER_URL: `http://127.0.0.1:${receiverPort}/`,
    KEELSON_TRACING: 'false',
    LOG_LEVEL: 'warn',
    ...env,
  };
  let service: RunningService = await startMonitoring(monitoringConfig.load(configEnv));
  const connection: Connection = await connectMongo({ url: mongoUrl });
  const keys = new ApiKeyRepository(connection);
  const createKey = async (scopes: ApiScope[]) =>
    (await keys.create({ name: 'monitoring-test', scopes, ratePerSecond: 1_000, burst: 1_000 }))
      .key;
  const reader = await createKey(['monitoring:read']);

  const events: AlertData[] = [];
  const subscription = messaging.nc.subscribe('alert.>', {
    callback: (error, msg) => {
      if (error) return;
      const decoded = decodeJson(msg.data);
      const data = decoded.ok ? (decoded.value as { data: AlertData }).data : undefined;
      if (data?.target.includes(prefix)) events.push(data);
    },
  });

  const fixture = {
    prefix,
    messaging,
    webhook,
    events,
    createKey,
    call: apiClient(() => service.url, reader),
    get service() {
      return service;
    },

    /** The first alert event matching, waited for. */
    waitForEvent: (description: string, match: (e: AlertData) => boolean, timeoutMs = 20_000) =>
      waitFor(description, () => events.find(match), { timeoutMs, intervalMs: 25 }),

    /** Stops the service and starts a new one on the same database (a restart). */
    async restart() {
      await service.close();
      service = await startMonitoring(monitoringConfig.load(configEnv));
    },

    async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
      const text = (await fixture.call('GET', '/metrics', { key: null })).body as string;
      const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      return text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
        .filter((line) => wanted.every((pair) => line.includes(pair)))
        .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
    },

    async close() {
      subscription.unsubscribe();
      await service.close();
      await new Promise((resolve) => receiver.close(resolve));
      await connection.dropDatabase();
      await connection.close();
      await messaging.drain();
    },
  };
  return fixture;
}

export type MonitoringFixture = Awaited<ReturnType<typeof monitoringFixture>>;
