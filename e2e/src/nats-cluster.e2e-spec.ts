import { join } from 'node:path';
import { connectNats, type Messaging } from '@keelson/messaging';
import { connectMongo } from '@keelson/persistence';
import {
  churnInputs,
  freePort,
  privateNatsCluster,
  runTsProcess,
  testInfra,
  uniqueId,
  waitFor,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';
import { createAdminKey, featureRows, registerDataset } from './support/data-path';
import { servingPool, type ServingPool } from './support/serving-pool';

// The platform on a three-server JetStream cluster with R3 streams and buckets, under steady
// producer and prediction load: one server SIGKILLed, brought back, then another. Two instances of
// ingestion, of preprocessing and of the gateway share the work; then one of each is SIGKILLed.
// Nothing accepted may be lost or stored twice, no prediction request may fail (a client that
// loses its gateway's connection asks the other, as a load balancer would), and every service
// must reconnect on its own.

const root = join(__dirname, '../..');
const REPLICAS = { NATS_STREAM_REPLICAS: '3' };
/** How long after a kill its pause is measured. */
const WINDOW_MS = 15_000;

interface Pause {
  server: string;
  /** Longest wait between two acknowledged producer batches in the WINDOW_MS after the kill. */
  producerPauseMs: number;
  /** Slowest prediction asked in that window. */
  slowestPredictionMs: number;
  /** Producer attempts refused meanwhile (503 or connection errors), retried until accepted. */
  retried: number;
}

describe('a three-server NATS cluster losing a server at a time under load', () => {
  let cluster: Awaited<ReturnType<typeof privateNatsCluster>>;
  let pool: ServingPool | undefined;
  let connection: Connection;
  let messaging: Messaging;
  const processes: TsProcess[] = [];
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await pool?.close().catch(() => undefined);
    await connection?.dropDatabase();
    await connection?.close();
    await messaging?.drain();
    await cluster?.close();
  });

  it('loses nothing, stores nothing twice, fails no prediction, and every service reconnects', async () => {
    cluster = await privateNatsCluster(3);
    pool = await servingPool({ nodes: 2, natsUrl: cluster.url, env: REPLICAS });
    messaging = await connectNats({ url: cluster.url, name: 'cluster-e2e' });

    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/cluster_e2e_${uniqueId()}`);
    const env = { ...REPLICAS, NATS_URL: cluster.url, MONGO_URL: mongoUrl };
    const env2 = { KEELSON_TRACING: 'false', LOG_LEVEL: 'warn' };
    const run = (app: string, extra: Record<string, string>) => {
      const p = runTsProcess(join(root, `dist/apps/${app}/src/main.js`), {
        ...env,
        ...env2,
        ...extra,
      });
      processes.push(p);
      return p;
    };
    const ingestionUrls: string[] = [];
    const readiness: string[] = [`${pool.gatewayUrl}/health/ready`];
    for (let i = 1; i <= 2; i++) {
      const port = await freePort();
      run('ingestion', { NODE_ID: `cluster-ingestion-${i}`, INGESTION_HTTP_PORT: String(port) });
      ingestionUrls.push(`http://127.0.0.1:${port}`);
      readiness.push(`http://127.0.0.1:${port}/health/ready`);
      const pre = await freePort();
      run('preprocessing', { NODE_ID: `cluster-pre-${i}`, PREPROCESSING_HTTP_PORT: String(pre) });
      readiness.push(`http://127.0.0.1:${pre}/health/ready`);
    }
    await Promise.all(readiness.map((url) => waitForOk(url, { timeoutMs: 90_000 })));
    // The checks read whole collections, which FerretDB answers by scanning them while four
    // services write: a generous socket timeout, so a slow check is not taken for a lost database.
    connection = await connectMongo({ url: mongoUrl, timeouts: { socketMs: 300_000 } });
    const key = await createAdminKey(connection);
    const dataset = `cluster_${uniqueId()}`;
    await registerDataset(ingestionUrls[0], key, dataset, {
      label: 'default',
      key: 'id',
      fields: { id: { type: 'category' }, x: { type: 'number' }, default: { type: 'boolean' } },
    });

    // Producers: batches of 25 records, round robin over both ingestion instances, each batch sent
    // again until it is acknowledged (200): acknowledged records are the ones that must be stored.
    const accepted = new Set<string>();
    const acks: number[] = [];
    const refusals: number[] = [];
    let producing = true;
    const producer = async (p: number) => {
      for (let b = 0; producing; b++) {
        const batch = Array.from({ length: 25 }, (_, j) => ({
          id: `p${p}b${b}r${j}`,
          x: j,
          default: j % 3 === 0,
        }));
        for (let attempt = 0; ; attempt++) {
          const url = ingestionUrls[(b + attempt + p) % ingestionUrls.length];
          const status = await fetch(`${url}/v1/datasets/${dataset}/records`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
            body: batch.map((r) => JSON.stringify(r)).join('\n'),
            signal: AbortSignal.timeout(30_000),
          }).then(
            async (r) => (await r.text(), r.status),
            () => 0,
          );
          if (status === 200) break;
          refusals.push(Date.now());
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        for (const r of batch) accepted.add(r.id);
        acks.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    const producers = Promise.all([0, 1, 2].map(producer));
    const load = pool.load(4);
    const gatewayPort = await freePort();
    const secondGateway = run('gateway', {
      NODE_ID: `${pool.prefix}gateway2`,
      MONGO_URL: pool.mongoUrl,
      GATEWAY_HTTP_PORT: String(gatewayPort),
      GATEWAY_GRPC_PORT: String(await freePort()),
      GATEWAY_NODE_PREFIX: pool.prefix,
    });
    const gateways = [pool.gatewayUrl, `http://127.0.0.1:${gatewayPort}`];
    await waitForOk(`${gateways[1]}/health/ready`, { timeoutMs: 90_000 });
    const balanced = balancedLoad(gateways, pool.model, pool.key);
    await waitFor('steady load', () => acks.length >= 40 && load.outcomes.ok >= 200, {
      timeoutMs: 60_000,
    });

    const pauses: Pause[] = [];
    const killAndReturn = async (stream: string, avoid?: string) => {
      const info = await messaging.jsm.streams.info(stream);
      const leader = info.cluster?.leader;
      const victim =
        (leader !== avoid && cluster.byName(leader ?? '')) ||
        cluster.servers.find((s) => s.name !== avoid)!;
      const killedAt = Date.now();
      await victim.kill();
      await waitFor('the window after the kill', () => Date.now() - killedAt >= WINDOW_MS, {
        timeoutMs: WINDOW_MS + 5_000,
        intervalMs: 100,
      });
      const windowEnd = killedAt + WINDOW_MS;
      const inWindow = [killedAt, ...acks.filter((t) => t >= killedAt && t <= windowEnd)];
      const gaps = inWindow.slice(1).map((t, i) => t - inWindow[i]);
      const lastAck = acks.filter((t) => t <= windowEnd).pop() ?? killedAt;
      pauses.push({
        server: `${victim.name} (leader of ${stream}: ${leader === victim.name})`,
        producerPauseMs: Math.max(0, ...gaps, lastAck < killedAt ? windowEnd - killedAt : 0),
        slowestPredictionMs: Math.round(
          Math.max(
            0,
            ...load.outcomes.samples
              .filter((s) => s.start >= performance.now() - (Date.now() - killedAt))
              .map((s) => s.ms),
          ),
        ),
        retried: refusals.filter((t) => t >= killedAt && t <= windowEnd).length,
      });
      await victim.start();
      await victim.healthy(90_000);
      return victim.name;
    };
    const first = await killAndReturn('RECORDS');
    const acksAfterFirst = acks.length;
    await waitFor('load flowing again', () => acks.length >= acksAfterFirst + 20, {
      timeoutMs: 60_000,
    });
    await killAndReturn('INGEST', first);
    const acksAfterSecond = acks.length;
    await waitFor('load flowing again', () => acks.length >= acksAfterSecond + 20, {
      timeoutMs: 60_000,
    });

    // One of each stateless service dies mid-stream; the other carries on.
    const [ingestion2, preprocessing2] = [processes[2], processes[3]];
    const balancedBefore = balanced.ok;
    await Promise.all([ingestion2.kill(), preprocessing2.kill(), secondGateway.kill()]);
    ingestionUrls.splice(1, 1);
    const acksAfterKills = acks.length;
    await waitFor(
      'the survivors carrying the load',
      () => acks.length >= acksAfterKills + 40 && balanced.ok >= balancedBefore + 200,
      { timeoutMs: 60_000 },
    );
    producing = false;
    await producers;
    await load.stop();
    await balanced.stop();

    const count = () => connection.collection('records').countDocuments({ dataset });
    await waitFor(
      'every acknowledged record stored',
      async () => (await count()) >= accepted.size,
      { timeoutMs: 180_000, intervalMs: 2_000 },
    );
    await waitFor(
      'a feature row for every record',
      async () => (await featureRows(connection, dataset)).records >= accepted.size,
      { timeoutMs: 180_000, intervalMs: 2_000 },
    );
    const ids = await connection
      .collection<{ recordId: string }>('records')
      .find({ dataset }, { projection: { recordId: 1 } })
      .toArray();
    const stored = [...new Set(ids.map((r) => r.recordId))];
    const rows = await featureRows(connection, dataset);
    const figures = {
      accepted: accepted.size,
      stored: ids.length,
      distinctStored: stored.length,
      featureRows: rows,
      predictions: load.outcomes.ok + balanced.ok,
      failedPredictions: load.outcomes.failed.length + balanced.failed.length,
      failedOverToTheOtherGateway: balanced.failedOver,
      pauses,
    };
    process.stdout.write(`nats cluster kills: ${JSON.stringify(figures)}\n`);
    expect(figures.stored).toBe(accepted.size);
    expect(figures.distinctStored).toBe(accepted.size);
    expect(rows).toEqual({ rows: accepted.size, records: accepted.size });
    expect(load.outcomes.failed).toEqual([]);
    expect(balanced.failed).toEqual([]);
    // Every service reconnected by itself: ready again, none restarted but the three killed.
    const survivors = processes.filter(
      (p) => ![ingestion2, preprocessing2, secondGateway].includes(p),
    );
    for (const p of survivors) expect(p.child.exitCode).toBeNull();
    const alive = readiness.filter((_, i) => i !== 3 && i !== 4); // ingestion-2, preprocessing-2
    for (const url of alive) await waitForOk(url, { timeoutMs: 30_000 });
  }, 600_000);
});

/**
 * Closed-loop callers spread over two gateways, each call sent to the other gateway once if its
 * connection fails (what a load balancer in front of them does); a failure is one that fails both.
 */
function balancedLoad(gateways: string[], model: string, key: string) {
  const state = { ok: 0, failedOver: 0, failed: [] as string[] };
  let running = true;
  const call = async (url: string, i: number) => {
    const response = await fetch(`${url}/v2/models/${model}/infer`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: churnInputs(1, i) }),
    });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text}`);
  };
  const loops = [0, 1, 2, 3].map(async (c) => {
    for (let i = 0; running; i++) {
      const first = gateways[(c + i) % gateways.length];
      try {
        await call(first, i).catch(async (error: Error) => {
          if (error.message.startsWith('HTTP')) throw error; // the gateway answered: no retry
          state.failedOver++;
          await call(
            gateways.find((g) => g !== first)!,
            i,
          );
        });
        state.ok++;
      } catch (error) {
        state.failed.push((error as Error).message);
      }
    }
  });
  return {
    get ok() {
      return state.ok;
    },
    failed: state.failed,
    get failedOver() {
      return state.failedOver;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}
