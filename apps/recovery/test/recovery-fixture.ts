import { Kvm } from '@nats-io/kv';
import {
  connectNats,
  decodeJson,
  EventPublisher,
  provision,
  type Messaging,
} from '@keelson/messaging';
import { ApiKeyRepository, connectMongo, type ApiScope } from '@keelson/persistence';
import {
  AlertRaised,
  CATALOGUE,
  readRoutingValue,
  uuidv7,
  type AlertData,
  type RoutingValue,
} from '@keelson/schemas';
import type { RunningService } from '@keelson/service-kit';
import { apiClient, testInfra, uniqueId, waitFor } from '@keelson/testing';
import type { Connection } from 'mongoose';
import { startRecovery } from '../src/bootstrap';
import { recoveryConfig } from '../src/config';

/**
 * A real recovery service (or several replicas) on free ports with a database of its own, on the
 * shared NATS server, with short timings so a test sees whole ejection cycles in seconds. The test
 * speaks to it as monitoring and operators do: alerts on `alert.<kind>`, the HTTP API.
 */
export async function recoveryFixture(env: Record<string, string> = {}) {
  const id = uniqueId();
  const prefix = `rec${id}_`;
  const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/recovery_test_${id}`);
  const messaging: Messaging = await connectNats({ url: testInfra.natsUrl, name: 'recovery-test' });
  await provision(messaging.nc, messaging.jsm, CATALOGUE);
  const configEnv = (replica: number) => ({
    ...process.env,
    NODE_ID: `${prefix}r${replica}`,
    MONGO_URL: mongoUrl,
    RECOVERY_HTTP_PORT: '0',
    RECOVERY_TICK: '50ms',
    RECOVERY_LEASE: '1500ms',
    RECOVERY_BASE_EJECTION: '1s',
    RECOVERY_SLOW_START: '2s',
    RECOVERY_REPLAY_CHECK: '200ms',
    RECOVERY_REPLAY_PROBE_TIMEOUT: '15s',
    KEELSON_TRACING: 'false',
    LOG_LEVEL: 'warn',
    ...env,
  });
  const replicas: RunningService[] = [await startRecovery(recoveryConfig.load(configEnv(1)))];
  const connection: Connection = await connectMongo({ url: mongoUrl });
  const keys = new ApiKeyRepository(connection);
  const createKey = async (scopes: ApiScope[]) =>
    (await keys.create({ name: 'recovery-test', scopes, ratePerSecond: 1_000, burst: 1_000 })).key;
  const admin = await createKey(['admin']);
  const routing = await new Kvm(messaging.js).open('routing');
  const publisher = new EventPublisher(messaging.js, 'test/monitoring');
  const alerts: AlertData[] = [];
  const subscription = messaging.nc.subscribe('alert.>', {
    callback: (error, msg) => {
      const decoded = error ? undefined : decodeJson(msg.data);
      const data = decoded?.ok ? (decoded.value as { data: AlertData }).data : undefined;
      if (data) alerts.push(data); // tests pick theirs by target
    },
  });

  const fixture = {
    prefix,
    messaging,
    connection,
    replicas,
    admin,
    createKey,
    alerts,
    call: apiClient(() => replicas[0].url, admin),
    async addReplica(): Promise<RunningService> {
      const replica = await startRecovery(recoveryConfig.load(configEnv(replicas.length + 1)));
      replicas.push(replica);
      return replica;
    },

    /** Publishes a node.unhealthy alert, as monitoring would. */
    async condemn(nodeId: string, state: 'firing' | 'resolved' = 'firing', alertId = uuidv7()) {
      await publisher.publish(
        AlertRaised,
        {
          alertId,
          key: `node.unhealthy:${nodeId}`,
          kind: 'node.unhealthy',
          state,
          severity: 'critical',
          target: nodeId,
          message: `test: ${nodeId} unhealthy`,
          reasons: ['server-errors'],
          evidence: {},
          startsAt: new Date().toISOString(),
        },
        { natsSubject: 'alert.node.unhealthy', subject: nodeId },
      );
      return alertId;
    },

    async routingOf(nodeId: string): Promise<RoutingValue | undefined> {
      const entry = await routing.get(nodeId);
      if (entry?.operation !== 'PUT') return undefined;
      const read = readRoutingValue(entry.value);
      return read.ok ? read.value : undefined;
    },

    /** Waits until the node's routing entry satisfies `check`, and returns it. */
    waitForRouting(
      nodeId: string,
      what: string,
      check: (r: RoutingValue) => boolean,
      timeoutMs = 20_000,
    ) {
      let last: RoutingValue | undefined;
      return waitFor(
        `${nodeId} ${what}`,
        async () => {
          const r = (last = await fixture.routingOf(nodeId));
          return r && check(r) ? r : undefined;
        },
        { timeoutMs, intervalMs: 25 },
      ).catch(async (error: Error) => {
        // What recovery believed at the deadline: a slow return can be told from a stuck one.
        const view = await fixture
          .call('GET', '/v1/nodes')
          .then(({ body }) => ({
            leader: body.leader,
            node: body.nodes?.find((n: { nodeId: string }) => n.nodeId === nodeId),
          }))
          .catch((e: Error) => e.message);
        throw new Error(
          `${error.message}\nrouting entry: ${JSON.stringify(last)}\nrecovery: ${JSON.stringify(view)}`,
        );
      });
    },

    /**
     * The value of the series `name` whose labels include `labels`, from the first replica's
     * /metrics (undefined: no such series). Replicas in one process share one registry.
     */
    async metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
      const text = (await fixture.call('GET', '/metrics', { key: null })).body as string;
      const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
      const values = text
        .split('\n')
        .filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `))
        .filter((line) => wanted.every((pair) => line.includes(pair)))
        .map((line) => Number(line.split(' ').at(-1)));
      if (values.length > 1) throw new Error(`${values.length} series of ${name} match ${wanted}`);
      return values[0];
    },

    async close() {
      subscription.unsubscribe();
      for (const r of replicas) await r.close().catch(() => undefined);
      await connection.dropDatabase();
      await connection.close();
      await messaging.drain();
    },
  };
  return fixture;
}

export type RecoveryFixture = Awaited<ReturnType<typeof recoveryFixture>>;
