import { join } from 'node:path';
import { connectNats, EventPublisher, type Messaging } from '@keelson/messaging';
import { connectMongo } from '@keelson/persistence';
import { deterministicUuidv7, IngestRecords } from '@keelson/schemas';
import {
  freePort,
  runTsProcess,
  testInfra,
  uniqueId,
  waitFor,
  waitForOk,
  type TsProcess,
} from '@keelson/testing';
import type { Connection } from 'mongoose';
import { createAdminKey, registerDataset } from './support/data-path';
import { servingPool, type ServingPool } from './support/serving-pool';

const root = join(__dirname, '../..');
/** The grace the services get (SHUTDOWN_GRACE); a clean drain takes a fraction of it. */
const GRACE_MS = 10_000;

/** What a service answered on /health/ready after SIGTERM, until its port closed. */
interface ReadinessTrace {
  statuses: number[];
  refusedAt?: number;
}

/** Polls `url` until the connection is refused (or `done` says stop), recording each status. */
function traceReadiness(url: string): { trace: ReadinessTrace; stop(): Promise<void> } {
  const trace: ReadinessTrace = { statuses: [] };
  let running = true;
  const loop = (async () => {
    while (running) {
      const status = await fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.status,
        () => undefined,
      );
      if (status === undefined) {
        trace.refusedAt = Date.now();
        return;
      }
      trace.statuses.push(status);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return {
    trace,
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** SIGTERM and how the process ended: its exit code and how long it took. */
async function terminate(process: TsProcess): Promise<{ code: number | null; ms: number }> {
  const sent = Date.now();
  await process.kill('SIGTERM');
  return { code: process.child.exitCode, ms: Date.now() - sent };
}

/**
 * SIGTERM of a prediction node while clients call through the gateway: the node says it is going
 * (readiness 503, out of the `nodes` bucket), finishes what it holds, and exits 0 within the grace;
 * no client sees a failure.
 */
describe('SIGTERM of a prediction node under load', () => {
  let pool: ServingPool;
  afterAll(async () => {
    await pool?.close();
  });

  it('drains the node with zero failed client requests and exits 0 within the grace', async () => {
    pool = await servingPool({ nodes: 3 });
    const load = await pool.underLoad(8);
    const before = { ok: load.outcomes.ok, failed: load.outcomes.failed.length };
    const [node] = pool.nodes;

    const readiness = traceReadiness(`${node.http}/health/ready`);
    const stopped = await terminate(node.process);
    await readiness.stop();
    const atExit = load.outcomes.ok;
    // The pool keeps answering on the two nodes left.
    await waitFor('200 more answers after the node left', () => load.outcomes.ok >= atExit + 200, {
      timeoutMs: 60_000,
      intervalMs: 50,
    });
    await load.stop();

    const figures = {
      answeredDuringShutdown: atExit - before.ok,
      answeredInAll: load.outcomes.ok,
      failed: load.outcomes.failed.length - before.failed,
      exitCode: stopped.code,
      drainMs: stopped.ms,
      readiness: `${readiness.trace.statuses.filter((s) => s === 200).length}x200 then ${readiness.trace.statuses.filter((s) => s === 503).length}x503`,
    };
    process.stdout.write(`node SIGTERM: ${JSON.stringify(figures)}\n`);
    expect(load.outcomes.failed).toEqual([]);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(GRACE_MS);
    // Readiness failed before the port closed: the node told the world it was going.
    expect(readiness.trace.statuses).toContain(503);
    expect(readiness.trace.statuses.slice(readiness.trace.statuses.indexOf(503))).not.toContain(
      200,
    );
  }, 300_000);
});

const record = (i: number) => ({
  id: `r${i}`,
  age: 20 + (i % 70),
  income: 20_000 + (i % 50) * 1_500,
  default: i % 5 === 0,
});

/**
 * SIGTERM of ingestion while records stream in over HTTP and JetStream, then a restart: readiness
 * fails while the service keeps serving, every record a producer saw accepted is stored exactly
 * once, and the process exits 0 within the grace.
 */
describe('SIGTERM of ingestion mid-stream', () => {
  const processes: TsProcess[] = [];
  let connection: Connection;
  let messaging: Messaging;
  afterAll(async () => {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await connection?.dropDatabase();
    await connection?.close();
    await messaging?.drain();
  });

  it('stores every accepted record exactly once and exits 0 within the grace', async () => {
    const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/shutdown_e2e_${uniqueId()}`);
    const port = await freePort();
    const env = {
      MONGO_URL: mongoUrl,
      KEELSON_TRACING: 'false',
      LOG_LEVEL: 'warn',
      INGESTION_HTTP_PORT: String(port),
      SHUTDOWN_GRACE: `${GRACE_MS}ms`,
    };
    const url = `http://127.0.0.1:${port}`;
    const start = async () => {
      const p = runTsProcess(join(root, 'dist/apps/ingestion/src/main.js'), env); // as deployed
      processes.push(p);
      await waitForOk(`${url}/health/ready`);
      return p;
    };
    connection = await connectMongo({ url: mongoUrl });
    messaging = await connectNats({ url: testInfra.natsUrl, name: 'shutdown-e2e' });
    const key = await createAdminKey(connection);
    let ingestion = await start();
    const dataset = `shutdown_${uniqueId()}`;
    await registerDataset(url, key, dataset, {
      label: 'default',
      key: 'id',
      fields: {
        id: { type: 'category' },
        age: { type: 'integer' },
        income: { type: 'number' },
        default: { type: 'boolean' },
      },
    });

    const BATCH = 50;
    const BATCHES_PER_PRODUCER = 100;
    const PRODUCERS = 4;
    const accepted = new Set<string>();
    const outcomes = { batches: 0, refused: 0, cutOff: [] as string[], refusedStatus: 0 };
    const signal = { sent: false, answeredAfter: 0 };
    // A producer sends each batch until it is acknowledged. Refusals (connection refused, 503) are
    // what a leaving service may answer; a request cut off mid-way leaves the producer unsure.
    const produce = async (p: number) => {
      for (let b = 0; b < BATCHES_PER_PRODUCER; b++) {
        const from = (p * BATCHES_PER_PRODUCER + b) * BATCH;
        const batch = Array.from({ length: BATCH }, (_, j) => record(from + j));
        const body = batch.map((r) => JSON.stringify(r)).join('\n');
        await waitFor(
          `batch ${from} accepted`,
          async () => {
            const sent = Date.now();
            let response: Response;
            try {
              response = await fetch(`${url}/v1/datasets/${dataset}/records`, {
                method: 'POST',
                headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
                body,
              });
            } catch (error) {
              const cause = (error as { cause?: { code?: string } }).cause?.code;
              if (cause === 'ECONNREFUSED') outcomes.refused++;
              else outcomes.cutOff.push(`${cause ?? (error as Error).message} (sent ${sent})`);
              return false;
            }
            await response.text();
            if (response.status === 503) outcomes.refusedStatus++;
            if (response.status !== 200) return false;
            for (const r of batch) accepted.add(r.id);
            outcomes.batches++;
            if (signal.sent) signal.answeredAfter++;
            return true;
          },
          { timeoutMs: 120_000, intervalMs: 50 },
        );
      }
    };
    const publisher = new EventPublisher(messaging.js, 'shutdown-e2e-producer');
    const NATS_BATCHES = 200;
    const publishAll = async () => {
      for (let b = 0; b < NATS_BATCHES; b++) {
        const from = 1_000_000 + b * BATCH;
        const records = Array.from({ length: BATCH }, (_, j) => record(from + j));
        await publisher.publish(
          IngestRecords,
          { records },
          { subject: dataset, id: deterministicUuidv7(1_700_000_000_000, `${dataset}:${from}`) },
        );
        for (const r of records) accepted.add(r.id); // JetStream acknowledged it: accepted
        await new Promise((resolve) => setTimeout(resolve, 25)); // a producer's own pace
      }
    };

    const producing = Promise.all([
      ...Array.from({ length: PRODUCERS }, (_, p) => produce(p)),
      publishAll(),
    ]);
    await waitFor('a tenth of the batches accepted', () => outcomes.batches >= 40, {
      timeoutMs: 60_000,
    });
    const readiness = traceReadiness(`${url}/health/ready`);
    signal.sent = true;
    const stopped = await terminate(ingestion);
    await readiness.stop();
    const answeredInDrain = signal.answeredAfter;
    ingestion = await start();
    await producing;

    const count = () => connection.collection('records').countDocuments({ dataset });
    await waitFor('every accepted record stored', async () => (await count()) >= accepted.size, {
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    const ids = await connection.collection('records').distinct('recordId', { dataset });
    const figures = {
      accepted: accepted.size,
      stored: await count(),
      distinctStored: ids.length,
      batchesAnsweredDuringDrain: answeredInDrain,
      refusedConnections: outcomes.refused,
      refused503: outcomes.refusedStatus,
      cutOff: outcomes.cutOff.length,
      exitCode: stopped.code,
      drainMs: stopped.ms,
      readiness: `${readiness.trace.statuses.filter((s) => s === 503).length}x503 before the port closed`,
    };
    process.stdout.write(`ingestion SIGTERM: ${JSON.stringify(figures)}\n`);
    expect(await count()).toBe(accepted.size);
    expect(ids.length).toBe(accepted.size);
    expect(stopped.code).toBe(0);
    expect(stopped.ms).toBeLessThan(GRACE_MS);
    // Readiness failed for a while (the settle pause: a tenth of the grace, polled every ~10 ms)
    // before the port closed, while the service went on serving. Without the drain the port closed
    // at once (a single 503 from Fastify's closing, if any).
    expect(readiness.trace.statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(10);
    const statuses = readiness.trace.statuses;
    expect(statuses.slice(statuses.indexOf(503))).not.toContain(200); // polled from before SIGTERM
    // Not asserted: a connection the kernel queued but Node never accepted is reset as the
    // listener closes (about one request in four runs). The producer retries it and the dedupe
    // stores it once, which the counts above check.
  }, 400_000);
});
