import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { connectNats, decodeJson, provision, type Messaging } from '@keelson/messaging';
import { ApiKeyRepository, connectMongo } from '@keelson/persistence';
import {
  CATALOGUE,
  readNodeRegistration,
  readRoutingValue,
  type AlertData,
  type RoutingValue,
} from '@keelson/schemas';
import {
  churnInputs,
  freePort,
  publishTestModel,
  runTsProcess,
  testInfra,
  testNodeHeaders,
  uniqueId,
  waitFor,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';

const root = join(__dirname, '../../..');

export interface PoolNode {
  nodeId: string;
  process: TsProcess;
  http: string;
}

/**
 * The serving half of the platform as it is deployed (for e2e tests and `bench/tail.ts`; run
 * `tools/build/build.sh` first), each part its own compiled process: three
 * prediction nodes (with the drill switch on), a gateway in front of them, and monitoring
 * watching them, on the shared NATS and FerretDB, with ids of their own so other tests' nodes
 * never mix in. The test drives load through the gateway and listens to `alert.>`.
 */
export async function servingPool(
  options: {
    nodes?: number;
    monitoringEnv?: Record<string, string>;
    /** Also run recovery (it acts on monitoring's alerts through the routing bucket). */
    recovery?: boolean;
    gatewayEnv?: Record<string, string>;
    /** NATS for every process of the pool (default: the suite's server), e.g. a private cluster. */
    natsUrl?: string;
    /** More environment for every process of the pool. */
    env?: Record<string, string>;
  } = {},
) {
  const natsUrl = options.natsUrl ?? testInfra.natsUrl;
  const id = uniqueId();
  const prefix = `e2e${id}_`;
  const model = `m_${id}`;
  const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/serving_e2e_${id}`);
  const messaging: Messaging = await connectNats({ url: natsUrl, name: 'serving-e2e' });
  await provision(messaging.nc, messaging.jsm, CATALOGUE, {
    replicas: Number(options.env?.NATS_STREAM_REPLICAS ?? 1),
  });
  await publishTestModel(messaging.js, model, { production: 1 });
  const connection: Connection = await connectMongo({ url: mongoUrl });
  const { key } = await new ApiKeyRepository(connection).create({
    name: 'e2e',
    scopes: ['admin'],
    ratePerSecond: 100_000,
    burst: 100_000,
  });
  const processes: TsProcess[] = [];
  const base = {
    MONGO_URL: mongoUrl,
    NATS_URL: natsUrl,
    KEELSON_TRACING: 'false',
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  const run = (app: string, env: Record<string, string>) => {
    const p = runTsProcess(join(root, `dist/apps/${app}/src/main.js`), { ...base, ...env });
    processes.push(p);
    return p;
  };

  const alerts: Array<AlertData & { at: number }> = [];
  const subscription = messaging.nc.subscribe('alert.>', {
    callback: (error, msg) => {
      if (error) return;
      const decoded = decodeJson(msg.data);
      const data = decoded.ok ? (decoded.value as { data: AlertData }).data : undefined;
      // Node alerts name a node of this pool; pool alerts (pool.degraded) its model.
      if (data && (data.target.startsWith(prefix) || data.target === model))
        alerts.push({ ...data, at: Date.now() });
    },
  });

  const monitoringPort = await freePort();
  const recoveryPort = await freePort();
  const services: Record<string, TsProcess> = {};
  services.monitoring = run('monitoring', {
    MONITORING_HTTP_PORT: String(monitoringPort),
    // The console reads dead letters and starts replays through recovery's API.
    MONITORING_RECOVERY_URL: `http://127.0.0.1:${recoveryPort}`,
    ...options.monitoringEnv,
  });
  const gatewayPort = await freePort();
  services.gateway = run('gateway', {
    NODE_ID: `${prefix}gateway`,
    GATEWAY_HTTP_PORT: String(gatewayPort),
    GATEWAY_GRPC_PORT: String(await freePort()),
    GATEWAY_NODE_PREFIX: prefix,
    ...options.gatewayEnv,
  });
  if (options.recovery)
    services.recovery = run('recovery', {
      NODE_ID: `${prefix}recovery`,
      RECOVERY_HTTP_PORT: String(recoveryPort),
    });
  const monitoringUrl = `http://127.0.0.1:${monitoringPort}`;
  const recoveryUrl = `http://127.0.0.1:${recoveryPort}`;
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
  await Promise.all([
    waitForOk(`${monitoringUrl}/health/ready`, { timeoutMs: 90_000 }),
    waitForOk(`${gatewayUrl}/health/ready`, { timeoutMs: 90_000 }),
    ...(options.recovery ? [waitForOk(`${recoveryUrl}/health/ready`, { timeoutMs: 90_000 })] : []),
  ]);
  const routingKv = await new Kvm(messaging.js).open('routing');

  const nodesKv = await new Kvm(messaging.js).open('nodes');
  const nodes: PoolNode[] = [];
  const startNode = async (nodeId: string): Promise<PoolNode> => {
    const spawnedAt = Date.now();
    const process = run('prediction', {
      NODE_ID: nodeId,
      PREDICTION_MODELS: model,
      PREDICTION_HTTP_PORT: '0',
      PREDICTION_GRPC_PORT: '0',
      PREDICTION_SAMPLE_RATE: '0',
      PREDICTION_FAULTS: 'on',
    });
    const entry = await waitFor(
      `node ${nodeId} to serve`,
      async () => {
        if (process.child.exitCode !== null) throw new Error(`node exited: ${process.errors()}`);
        const e = await nodesKv.get(nodeId);
        const read = e?.operation === 'PUT' ? readNodeRegistration(e.value) : undefined;
        // A restarted node's old entry outlives it for a while: wait for this process's own.
        const fresh = read?.ok && Date.parse(read.value.startedAt) >= spawnedAt - 1_000;
        return fresh && read.value.models.some((m) => m.ready) ? read.value : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 100 },
    );
    const node = { nodeId, process, http: entry.addresses.http };
    const at = nodes.findIndex((n) => n.nodeId === nodeId);
    if (at >= 0) nodes[at] = node;
    else nodes.push(node);
    return node;
  };
  await Promise.all(
    Array.from({ length: options.nodes ?? 3 }, (_, i) => startNode(`${prefix}n${i + 1}`)),
  );

  const pool = {
    prefix,
    model,
    nodes,
    alerts,
    messaging,
    key,
    /** The pool's database (its API keys): for another gateway a test starts beside it. */
    mongoUrl,
    monitoringUrl,
    gatewayUrl,
    recoveryUrl,
    startNode,

    /** Whether each service still runs, and the end of what it printed: for a failure message. */
    serviceLogs(tailChars = 1_500): string {
      return Object.entries(services)
        .map(([name, p]) => {
          const status = p.child.exitCode ?? p.child.signalCode ?? 'running';
          const printed = `${p.output()}${p.errors()}`.slice(-tailChars).trim() || '(nothing)';
          return `${name} (${status}):\n${printed}`;
        })
        .join('\n');
    },

    /** A node's routing entry (undefined: none, active). */
    async routing(nodeId: string): Promise<RoutingValue | undefined> {
      const entry = await routingKv.get(nodeId);
      if (entry?.operation !== 'PUT') return undefined;
      const read = readRoutingValue(entry.value);
      return read.ok ? read.value : undefined;
    },

    /** `clients` closed-loop callers through the gateway, counting answers and failures. */
    load(clients: number) {
      const outcomes = {
        ok: 0,
        failed: [] as string[],
        latencies: [] as number[],
        /** Every answer: when it was asked (performance.now()) and how long it took. */
        samples: [] as Array<{ start: number; ms: number }>,
      };
      let running = true;
      const loops = Array.from({ length: clients }, async (_, c) => {
        for (let i = 0; running; i++) {
          const started = performance.now();
          try {
            const response = await fetch(`${gatewayUrl}/v2/models/${model}/infer`, {
              method: 'POST',
              headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
              body: JSON.stringify({ inputs: churnInputs(1, i + c * 1_000) }),
            });
            const text = await response.text();
            if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text}`);
            const ms = performance.now() - started;
            outcomes.ok++;
            outcomes.latencies.push(ms);
            outcomes.samples.push({ start: started, ms });
          } catch (error) {
            outcomes.failed.push((error as Error).message);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
        }
      });
      return {
        outcomes,
        async stop() {
          running = false;
          await Promise.all(loops);
        },
      };
    },

    /**
     * Starts `clients` callers, then waits until monitoring has latency figures for every node
     * and the pool is settled: the steady state each fault is measured from.
     */
    async underLoad(clients: number) {
      const load = pool.load(clients);
      await waitFor(
        'load on every node',
        async () => {
          const view = await pool.monitored();
          return (
            view.length === nodes.length &&
            view.every((n) => Object.values(n.figures.p99ByModel).length > 0)
          );
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      );
      await pool.settled();
      return load;
    },

    /** Sets a node's injected faults (its drill endpoint). */
    async faults(node: PoolNode, faults: Record<string, unknown> | null) {
      const response = await fetch(`${node.http}/drill/faults`, {
        method: faults ? 'PUT' : 'DELETE',
        headers: { 'content-type': 'application/json', ...testNodeHeaders() },
        ...(faults && { body: JSON.stringify(faults) }),
      });
      if (!response.ok)
        throw new Error(`drill refused: ${response.status} ${await response.text()}`);
    },

    /** Monitoring's view of the pool. */
    async monitored(): Promise<
      Array<{
        nodeId: string;
        state: string;
        figures: { p99ByModel: Record<string, number | null> };
      }>
    > {
      const response = await fetch(`${monitoringUrl}/v1/nodes`, {
        headers: { authorization: `Bearer ${key}` },
      });
      const body = (await response.json()) as {
        nodes: Array<{
          nodeId: string;
          state: string;
          figures: { p99ByModel: Record<string, number | null> };
        }>;
      };
      return body.nodes.filter((n) => n.nodeId.startsWith(prefix));
    },

    /** Waits for every node to be healthy in monitoring's eyes, and no alert to be firing. */
    async settled(timeoutMs = 60_000) {
      await waitFor(
        'every node healthy and no node alert open',
        async () => {
          const view = await pool.monitored();
          return (
            view.length === nodes.length &&
            view.every((n) => n.state === 'healthy') &&
            nodes.every((n) => !openAlert(alerts, 'node.unhealthy', n.nodeId))
          );
        },
        { timeoutMs, intervalMs: 200 },
      );
    },

    async close() {
      subscription.unsubscribe();
      for (const p of processes) p.child.kill('SIGCONT');
      await Promise.all(processes.map((p) => p.kill('SIGTERM')));
      const models = await new Kvm(messaging.js).open('models');
      await models.purge(model).catch(() => undefined);
      for (const n of nodes) await nodesKv.purge(n.nodeId).catch(() => undefined);
      for (const n of nodes) await routingKv.purge(n.nodeId).catch(() => undefined);
      await connection.dropDatabase();
      await connection.close();
      await messaging.drain();
    },
  };
  return pool;
}

export type ServingPool = Awaited<ReturnType<typeof servingPool>>;

/** Whether the last event of an alert key says firing. */
export function openAlert(alerts: AlertData[], kind: string, target: string): boolean {
  const last = alerts.filter((a) => a.kind === kind && a.target === target).at(-1);
  return last?.state === 'firing';
}
