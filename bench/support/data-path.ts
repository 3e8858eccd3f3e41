// The data path as benches run it: ingestion and preprocessing, compiled, on a database of their
// own, with a registered credit dataset and an admin key; and the publishing and waiting around it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Connection } from 'mongoose';
import type { Messaging } from '@keelson/messaging';
import { ApiKeyRepository, connectMongo } from '@keelson/persistence';
import { createEvent, IngestRecords } from '@keelson/schemas';
import { freePort, waitFor, waitForOk } from '@keelson/testing';
import { CREDIT_SCHEMA } from '@keelson/sample-data';

const root = join(__dirname, '../..');
export const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

export interface Payload {
  bytes: Uint8Array;
  id: string;
}

/** IngestRecords envelopes of `batch` records each, encoded once, before any clock starts. */
export function ingestPayloads(dataset: string, records: object[], batch: number): Payload[] {
  const encoder = new TextEncoder();
  const payloads: Payload[] = [];
  for (let i = 0; i < records.length; i += batch) {
    const event = createEvent({
      type: IngestRecords.type,
      source: 'bench',
      subject: dataset,
      data: { records: records.slice(i, i + batch) },
    });
    payloads.push({ bytes: encoder.encode(JSON.stringify(event)), id: event.id });
  }
  return payloads;
}

/** Publishes every payload with `inFlight` publishes outstanding; returns the seconds it took. */
export async function publishAll(
  publish: (payload: Uint8Array, id: string) => Promise<unknown>,
  payloads: Payload[],
  inFlight: number,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < payloads.length) {
        const p = payloads[next++];
        await publish(p.bytes, p.id);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

function startService(app: string, env: Record<string, string>): ChildProcess {
  mkdirSync(join(root, '.keelson/logs'), { recursive: true });
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
  // The compiled service, as `./keelson up` runs it (tools/bench/run.sh builds dist/ first).
  return spawn(process.execPath, [...extra, join(root, `dist/apps/${app}/src/main.js`)], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export interface DataPath {
  connection: Connection;
  key: string;
  ingestionUrl: string;
  services: { ingestion: ChildProcess; preprocessing: ChildProcess };
  /** True when the durable has nothing pending or unacknowledged. */
  drained(stream: string, durable: string): Promise<boolean>;
  /** Waits until `stream`'s durable has drained; returns the seconds since `started`. */
  drainedAfter(stream: string, durable: string, started: number): Promise<number>;
  close(): Promise<void>;
}

/** Starts ingestion and preprocessing on `mongoUrl` and registers `dataset` (credit schema). */
export async function startDataPath(
  messaging: Messaging,
  mongoUrl: string,
  dataset: string,
): Promise<DataPath> {
  const connection = await connectMongo({ url: mongoUrl });
  const { key } = await new ApiKeyRepository(connection).create({
    name: 'bench',
    scopes: ['admin'],
    ratePerSecond: 100_000,
    burst: 100_000,
  });
  const ports = { ingestion: await freePort(), preprocessing: await freePort() };
  const env = {
    MONGO_URL: mongoUrl,
    LOG_LEVEL: 'warn',
    INGESTION_HTTP_PORT: String(ports.ingestion),
    PREPROCESSING_HTTP_PORT: String(ports.preprocessing),
  };
  const services = {
    ingestion: startService('ingestion', env),
    preprocessing: startService('preprocessing', env),
  };
  const ingestionUrl = `http://127.0.0.1:${ports.ingestion}`;
  const drained = async (stream: string, durable: string) => {
    const info = await messaging.jsm.consumers.info(stream, durable);
    return info.num_pending + info.num_ack_pending === 0;
  };
  const close = async () => {
    for (const p of Object.values(services)) p.kill('SIGTERM');
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
  };
  try {
    for (const port of Object.values(ports))
      await waitForOk(`http://127.0.0.1:${port}/health/ready`);
    const put = await fetch(`${ingestionUrl}/v1/datasets/${dataset}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(CREDIT_SCHEMA),
    });
    if (put.status !== 201) throw new Error(`registering ${dataset} failed: ${put.status}`);
    await waitFor(
      'consumers idle before the run',
      async () =>
        (await drained('INGEST', 'ingestion')) && (await drained('RECORDS', 'preprocessing')),
      { timeoutMs: 120_000 },
    );
  } catch (error) {
    await close();
    throw error;
  }
  return {
    connection,
    key,
    ingestionUrl,
    services,
    drained,
    async drainedAfter(stream, durable, started) {
      let seconds = 0;
      await waitFor(
        `${durable} to drain ${stream}`,
        async () => {
          const done = await drained(stream, durable);
          if (done) seconds = (performance.now() - started) / 1000;
          return done;
        },
        { timeoutMs: 1_800_000, intervalMs: 100 },
      );
      return seconds;
    },
    close,
  };
}

/** Runs a bench's main; a failure is said, and the exit code says it too. */
export function runBench(main: () => Promise<void>): void {
  main().catch((error: Error) => {
    say(`failed: ${error.message}`);
    process.exit(1);
  });
}
