// `./keelson bench ingest`: 200,000 records through the data path, measured against a bare
// nats.js publisher with the same payloads, and against the database's own rate for the same
// records' documents written straight with the driver, on the same machine in the same run.
//   BENCH_RECORDS (200000), BENCH_BATCH (records per message, 100), BENCH_IN_FLIGHT (publishes, 256)
//   BENCH_DB_BATCH (documents per insert, 500), BENCH_DB_IN_FLIGHT (inserts at once, 8)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, provision } from '@keelson/messaging';
import { FeatureRowRepository } from '@keelson/persistence';
import { type StreamSpec } from '@keelson/schemas';
import { uniqueId } from '@keelson/testing';
import { generateCredit } from '@keelson/sample-data';
import { databaseRate } from './support/db-baseline';
import { ingestPayloads, publishAll, runBench, say, startDataPath } from './support/data-path';
import { peakRssMb } from './support/proc';

const root = join(__dirname, '..');
const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);
// Ingestion writes the records it gathers in inserts of up to 500 (INGESTION_BATCH_RECORDS).
const DB_BATCH = Number(process.env.BENCH_DB_BATCH ?? 500);
const DB_IN_FLIGHT = Number(process.env.BENCH_DB_IN_FLIGHT ?? 8);
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const mongoBase = (process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/keelson').replace(
  /\/[^/]*$/,
  '',
);

async function main() {
  const id = uniqueId();
  const dataset = `bench_${id}`;
  const mongoUrl = `${mongoBase}/bench_${id}`;
  const messaging = await connectNats({ url: natsUrl, name: 'bench-ingest' });

  // The payloads: the synthetic credit records, in IngestRecords envelopes of BATCH records.
  const records = [...generateCredit({ seed: 7, rows: RECORDS })].map((r) => r.record);
  const payloads = ingestPayloads(dataset, records, BATCH);
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
    IN_FLIGHT,
  );
  await messaging.jsm.streams.delete(scratch.name);
  const baseline = RECORDS / baselineSeconds;
  say(
    `baseline: ${Math.round(baseline)} records/s (${(payloads.length / baselineSeconds).toFixed(0)} messages/s)`,
  );

  // (1b) The database's own rate: the same records' documents, written straight with the driver.
  const databaseBaseline = await databaseRate(`${mongoBase}/bench_${id}_db`, dataset, records, {
    batch: DB_BATCH,
    inFlight: DB_IN_FLIGHT,
  });
  say(
    `database: ${Math.round(databaseBaseline)} records/s (insertMany of ${DB_BATCH}, ${DB_IN_FLIGHT} in flight)`,
  );

  // (2) The services, on a database of their own.
  const path = await startDataPath(messaging, mongoUrl, dataset);
  const { connection, services } = path;
  try {
    const started = performance.now();
    const publishSeconds = await publishAll(
      (bytes, msgID) => messaging.js.publish(`ingest.${dataset}`, bytes, { msgID }),
      payloads,
      IN_FLIGHT,
    );
    say(`published in ${publishSeconds.toFixed(1)} s; waiting for the pipeline`);
    const ingestSeconds = await path.drainedAfter('INGEST', 'ingestion', started);
    say(`ingestion stage done after ${ingestSeconds.toFixed(1)} s`);
    const endToEndSeconds = await path.drainedAfter('RECORDS', 'preprocessing', started);

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
      databaseRecordsPerSecond: Math.round(databaseBaseline),
      databaseBatch: DB_BATCH,
      databaseInFlight: DB_IN_FLIGHT,
      ingestionToDatabase: +(ingestRate / databaseBaseline).toFixed(3),
      endToEndToDatabase: +(endToEnd / databaseBaseline).toFixed(3),
      bottleneck:
        preprocessingTail > 0.1 * endToEndSeconds
          ? 'preprocessing (records wait in RECORDS after ingestion has finished)'
          : 'ingestion (preprocessing keeps up with it)',
      peakRssMb: memory,
      targets: {
        endToEndAtLeast10k: endToEnd >= 10_000,
        endToEndAtLeast06Database: endToEnd >= 0.6 * databaseBaseline,
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
        `database, driver only   ${result.databaseRecordsPerSecond} records/s (the records' documents, insertMany of ${DB_BATCH}, ${DB_IN_FLIGHT} in flight, same indexes)`,
        `ingestion / database    ${result.ingestionToDatabase}x`,
        `end to end / database   ${result.endToEndToDatabase}x (target >= 0.6x: ${result.targets.endToEndAtLeast06Database ? 'met' : 'NOT met'})`,
        `bottleneck              ${result.bottleneck}`,
        `peak RSS                ingestion ${memory.ingestion} MB, preprocessing ${memory.preprocessing} MB (target < 300 MB: ${result.targets.under300MbPerService ? 'met' : 'NOT met'})`,
        '',
      ].join('\n'),
    );
  } finally {
    await path.close();
    await messaging.drain();
  }
}

runBench(main);
