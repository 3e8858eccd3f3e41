// `./keelson bench ingest`: 200,000 records through the data path, measured against a bare
// nats.js publisher with the same payloads on the same machine in the same run.
//   BENCH_RECORDS (200000), BENCH_BATCH (records per message, 100), BENCH_IN_FLIGHT (publishes, 256)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, provision } from '@keelson/messaging';
import { ApiKeyRepository, connectMongo, FeatureRowRepository } from '@keelson/persistence';
import { createEvent, IngestRecords, type StreamSpec } from '@keelson/schemas';
import { freePort, uniqueId, waitFor, waitForOk } from '@keelson/testing';
import { CREDIT_SCHEMA, generateCredit } from '@keelson/sample-data';
import { peakRssMb } from './support/proc';

const root = join(__dirname, '..');
const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const mongoBase = (process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/keelson').replace(
  /\/[^/]*$/,
  '',
);
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

async function publishAll(
  publish: (payload: Uint8Array, id: string) => Promise<unknown>,
  payloads: Array<{ bytes: Uint8Array; id: string }>,
): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
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

async function main() {
  const id = uniqueId();
  const dataset = `bench_${id}`;
  const mongoUrl = `${mongoBase}/bench_${id}`;
  const messaging = await connectNats({ url: natsUrl, name: 'bench-ingest' });

  // The payloads: the synthetic credit records, in IngestRecords envelopes of BATCH records.
  const records = [...generateCredit({ seed: 7, rows: RECORDS })].map((r) => r.record);
  const encoder = new TextEncoder();
  const payloads: Array<{ bytes: Uint8Array; id: string }> = [];
  for (let i = 0; i < records.length; i += BATCH) {
    const event = createEvent({
      type: IngestRecords.type,
      source: 'bench',
      subject: dataset,
      data: { records: records.slice(i, i + BATCH) },
    });
    payloads.push({ bytes: encoder.encode(JSON.stringify(event)), id: event.id });
  }
  const mb = payloads.reduce((n, p) => n + p.bytes.length, 0) / 1e6;
  say(
    `${RECORDS} records in ${payloads.length} messages of ${BATCH} (${mb.toFixed(1)} MB), ${IN_FLIGHT} publishes in flight`,
  );

  // (1) Baseline: a bare nats.js publisher, same payloads, into a scratch stream.
  const scratch: StreamSpec = {
    name: `BENCH_${id.toUpperCase()}`,
    subjects: [`bench${id}.>`],
    description: 'bench baseline',
    maxAgeMs: 600_000,
    duplicateWindowMs: 120_000,
    maxBytes: -1,
    storage: 'file',
  };
  await provision(messaging.nc, messaging.jsm, { streams: [scratch] });
  const baselineSeconds = await publishAll(
    (bytes, msgID) => messaging.js.publish(`bench${id}.${dataset}`, bytes, { msgID }),
    payloads,
  );
  await messaging.jsm.streams.delete(scratch.name);
  const baseline = RECORDS / baselineSeconds;
  say(
    `baseline: ${Math.round(baseline)} records/s (${(payloads.length / baselineSeconds).toFixed(0)} messages/s)`,
  );

  // (2) The services, on a database of their own.
  const connection = await connectMongo({ url: mongoUrl });
  const { key } = await new ApiKeyRepository(connection).create({
    name: 'bench',
    scopes: ['admin'],
    ratePerSecond: 1000,
    burst: 1000,
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
  try {
    for (const port of Object.values(ports))
      await waitForOk(`http://127.0.0.1:${port}/health/ready`);
    const put = await fetch(`http://127.0.0.1:${ports.ingestion}/v1/datasets/${dataset}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(CREDIT_SCHEMA),
    });
    if (put.status !== 201) throw new Error(`registering ${dataset} failed: ${put.status}`);

    const drained = async (stream: string, durable: string) => {
      const info = await messaging.jsm.consumers.info(stream, durable);
      return info.num_pending + info.num_ack_pending === 0;
    };
    await waitFor(
      'consumers idle before the run',
      async () =>
        (await drained('INGEST', 'ingestion')) && (await drained('RECORDS', 'preprocessing')),
      { timeoutMs: 120_000 },
    );

    const started = performance.now();
    const publishSeconds = await publishAll(
      (bytes, msgID) => messaging.js.publish(`ingest.${dataset}`, bytes, { msgID }),
      payloads,
    );
    say(`published in ${publishSeconds.toFixed(1)} s; waiting for the pipeline`);
    let ingestSeconds = 0;
    await waitFor(
      'ingestion to store and announce every record',
      async () => {
        const done = await drained('INGEST', 'ingestion');
        if (done) ingestSeconds = (performance.now() - started) / 1000;
        return done;
      },
      { timeoutMs: 900_000, intervalMs: 100 },
    );
    say(`ingestion stage done after ${ingestSeconds.toFixed(1)} s`);
    let endToEndSeconds = 0;
    await waitFor(
      'preprocessing to store every feature row',
      async () => {
        const done = await drained('RECORDS', 'preprocessing');
        if (done) endToEndSeconds = (performance.now() - started) / 1000;
        return done;
      },
      { timeoutMs: 900_000, intervalMs: 100 },
    );

    const stored = await connection.collection('records').countDocuments({ dataset });
    const rows = await new FeatureRowRepository(connection).countFor(dataset);
    if (stored !== RECORDS || rows !== RECORDS)
      throw new Error(`expected ${RECORDS} records and feature rows, found ${stored} and ${rows}`);

    const ingestRate = RECORDS / ingestSeconds;
    const endToEnd = RECORDS / endToEndSeconds;
    const preprocessingTail = endToEndSeconds - ingestSeconds;
    const memory = {
      ingestion: peakRssMb(services.ingestion.pid!),
      preprocessing: peakRssMb(services.preprocessing.pid!),
    };
    const result = {
      when: new Date().toISOString(),
      records: RECORDS,
      batch: BATCH,
      baselineRecordsPerSecond: Math.round(baseline),
      ingestionStageRecordsPerSecond: Math.round(ingestRate),
      endToEndRecordsPerSecond: Math.round(endToEnd),
      ingestionToBaseline: +(ingestRate / baseline).toFixed(3),
      endToEndToBaseline: +(endToEnd / baseline).toFixed(3),
      bottleneck:
        preprocessingTail > 0.1 * endToEndSeconds
          ? 'preprocessing (records wait in RECORDS after ingestion has finished)'
          : 'ingestion (preprocessing keeps up with it)',
      peakRssMb: memory,
      targets: {
        endToEndAtLeast10k: endToEnd >= 10_000,
        ingestionAtLeastHalfBaseline: ingestRate >= baseline / 2,
        under300MbPerService: memory.ingestion < 300 && memory.preprocessing < 300,
      },
    };
    mkdirSync(join(root, '.keelson/bench'), { recursive: true });
    writeFileSync(join(root, '.keelson/bench/ingest.json'), JSON.stringify(result, null, 2));
    process.stdout.write(
      [
        '',
        `records                 ${RECORDS} (messages of ${BATCH})`,
        `bare JetStream publish  ${result.baselineRecordsPerSecond} records/s (baseline)`,
        `ingestion stage         ${result.ingestionStageRecordsPerSecond} records/s  (${result.ingestionToBaseline}x baseline; target >= 0.5x: ${result.targets.ingestionAtLeastHalfBaseline ? 'met' : 'NOT met'})`,
        `end to end              ${result.endToEndRecordsPerSecond} records/s  (${result.endToEndToBaseline}x baseline; target >= 10000/s: ${result.targets.endToEndAtLeast10k ? 'met' : 'NOT met'})`,
        `bottleneck              ${result.bottleneck}`,
        `peak RSS                ingestion ${memory.ingestion} MB, preprocessing ${memory.preprocessing} MB (target < 300 MB: ${result.targets.under300MbPerService ? 'met' : 'NOT met'})`,
        '',
      ].join('\n'),
    );
  } finally {
    services.ingestion.kill('SIGTERM');
    services.preprocessing.kill('SIGTERM');
    await connection.dropDatabase().catch(() => undefined);
    await connection.close();
    await messaging.drain();
  }
}

main().catch((error: Error) => {
  say(`failed: ${error.message}`);
  process.exit(1);
});
