// `./keelson bench stored`: does the data path slow down as data accumulates? In one run, on one
// database: the end-to-end ingest rate of fresh records and the latency of a producer's re-send of
// 500 records it already sent (the retry after a timeout that idempotency exists for), first with
// nothing stored (but a 2,000-record warm-up), then again after BENCH_STORED records went through
// the same path.
//   BENCH_RECORDS (fresh records per measurement, 50000), BENCH_STORED (1000000),
//   BENCH_RESENDS (re-sends of 500 per measurement, 7), BENCH_BATCH (100), BENCH_IN_FLIGHT (256)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats } from '@keelson/messaging';
import { FeatureStatsRepository } from '@keelson/persistence';
import { uniqueId } from '@keelson/testing';
import { generateCredit } from '@keelson/sample-data';
import { ingestPayloads, publishAll, runBench, say, startDataPath } from './support/data-path';
import { peakRssMb } from './support/proc';

const root = join(__dirname, '..');
const RECORDS = Number(process.env.BENCH_RECORDS ?? 50_000);
const STORED = Number(process.env.BENCH_STORED ?? 1_000_000);
const RESENDS = Number(process.env.BENCH_RESENDS ?? 7);
const RESEND_SIZE = 500;
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 256);
const FILL_CHUNK = 100_000;
const WARM_UP = 2_000;
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const mongoBase = (process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/keelson').replace(
  /\/[^/]*$/,
  '',
);

/** `count` credit records whose ids start with `prefix` (the generator's ids repeat per seed). */
function credit(prefix: string, seed: number, count: number): Array<Record<string, unknown>> {
  return [...generateCredit({ seed, rows: count })].map((r, i) => ({
    ...r.record,
    id: `${prefix}-${i}`,
  }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Measurement {
  stored: number;
  endToEndRecordsPerSecond: number;
  ingestionStageRecordsPerSecond: number;
  resendMs: { median: number; max: number; all: number[] };
}

async function main() {
  const id = uniqueId();
  const dataset = `stored_${id}`;
  const messaging = await connectNats({ url: natsUrl, name: 'bench-stored' });
  const path = await startDataPath(messaging, `${mongoBase}/bench_${id}`, dataset);
  const stats = new FeatureStatsRepository(path.connection);
  const rowsCounted = async () => (await stats.get(dataset))?.records ?? 0;

  /** Runs `records` through ingestion and preprocessing; returns both stages' rates. */
  async function flow(records: Array<Record<string, unknown>>) {
    const payloads = ingestPayloads(dataset, records, BATCH);
    const started = performance.now();
    await publishAll(
      (bytes, msgID) => messaging.js.publish(`ingest.${dataset}`, bytes, { msgID }),
      payloads,
      IN_FLIGHT,
    );
    const ingestSeconds = await path.drainedAfter('INGEST', 'ingestion', started);
    const endToEndSeconds = await path.drainedAfter('RECORDS', 'preprocessing', started);
    return {
      ingestionStageRecordsPerSecond: Math.round(records.length / ingestSeconds),
      endToEndRecordsPerSecond: Math.round(records.length / endToEndSeconds),
    };
  }

  /** Re-sends slices of already stored records over HTTP; every one must come back a duplicate. */
  async function resends(stored: Array<Record<string, unknown>>): Promise<number[]> {
    const times: number[] = [];
    for (let r = 0; r < RESENDS; r++) {
      const from = Math.floor(((r + 0.5) / RESENDS) * (stored.length - RESEND_SIZE));
      const body = JSON.stringify(stored.slice(from, from + RESEND_SIZE));
      const started = performance.now();
      const response = await fetch(`${path.ingestionUrl}/v1/datasets/${dataset}/records`, {
        method: 'POST',
        headers: { authorization: `Bearer ${path.key}`, 'content-type': 'application/json' },
        body,
      });
      const answer = (await response.json()) as { duplicates?: number };
      times.push(+(performance.now() - started).toFixed(1));
      if (response.status !== 200 || answer.duplicates !== RESEND_SIZE)
        throw new Error(`re-send answered ${response.status}: ${JSON.stringify(answer)}`);
    }
    return times;
  }

  async function measure(label: string, seed: number, stored: number): Promise<Measurement> {
    const fresh = credit(`${label}`, seed, RECORDS);
    const rates = await flow(fresh);
    const times = await resends(fresh);
    const m = {
      stored,
      ...rates,
      resendMs: { median: median(times), max: Math.max(...times), all: times },
    };
    say(
      `${stored} stored: ${m.endToEndRecordsPerSecond} records/s end to end, re-send of ${RESEND_SIZE} p50 ${m.resendMs.median} ms`,
    );
    return m;
  }

  try {
    // Warm-up (connections, JIT, the first index pages), so that the first measurement is not
    // also a cold start: these few records are the only ones stored before it.
    await flow(credit('warm', 3, WARM_UP));
    const empty = await measure('empty', 11, WARM_UP);
    const fill: Array<{ storedAfter: number; endToEndRecordsPerSecond: number }> = [];
    for (let done = 0; done < STORED; done += FILL_CHUNK) {
      const n = Math.min(FILL_CHUNK, STORED - done);
      const rates = await flow(credit(`fill${done}`, 100 + done / FILL_CHUNK, n));
      fill.push({ storedAfter: WARM_UP + RECORDS + done + n, ...rates });
      say(`filled ${done + n} of ${STORED}: ${rates.endToEndRecordsPerSecond} records/s`);
    }
    const full = await measure('full', 13, WARM_UP + RECORDS + STORED);
    const expected = WARM_UP + 2 * RECORDS + STORED;
    const rows = await rowsCounted();
    if (rows !== expected) throw new Error(`expected ${expected} feature rows, counted ${rows}`);

    const rateRatio = full.endToEndRecordsPerSecond / empty.endToEndRecordsPerSecond;
    const result = {
      when: new Date().toISOString(),
      freshRecordsPerMeasurement: RECORDS,
      batch: BATCH,
      empty,
      full,
      fill,
      rateFullToEmpty: +rateRatio.toFixed(3),
      resendFullToEmpty: +(full.resendMs.median / empty.resendMs.median).toFixed(3),
      peakRssMb: {
        ingestion: peakRssMb(path.services.ingestion.pid!),
        preprocessing: peakRssMb(path.services.preprocessing.pid!),
      },
      targets: {
        rateWithin20Percent: rateRatio >= 0.8,
        resendWithin20Percent: full.resendMs.median <= 1.2 * empty.resendMs.median,
        resendUnder200MsFull: full.resendMs.median < 200,
      },
    };
    mkdirSync(join(root, '.keelson/bench'), { recursive: true });
    writeFileSync(join(root, '.keelson/bench/stored.json'), JSON.stringify(result, null, 2));
    const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
    process.stdout.write(
      [
        '',
        `fresh records per measurement ${RECORDS} (messages of ${BATCH}); re-sends of ${RESEND_SIZE} over HTTP`,
        `stored ${empty.stored}         ${empty.endToEndRecordsPerSecond} records/s end to end (ingestion stage ${empty.ingestionStageRecordsPerSecond}), re-send p50 ${empty.resendMs.median} ms, max ${empty.resendMs.max} ms`,
        `stored ${full.stored}  ${full.endToEndRecordsPerSecond} records/s end to end (ingestion stage ${full.ingestionStageRecordsPerSecond}), re-send p50 ${full.resendMs.median} ms, max ${full.resendMs.max} ms`,
        `fill, per ${FILL_CHUNK}     ${fill.map((f) => f.endToEndRecordsPerSecond).join(', ')} records/s`,
        `rate, full / empty  ${result.rateFullToEmpty} (target >= 0.8: ${met(result.targets.rateWithin20Percent)})`,
        `re-send, full/empty ${result.resendFullToEmpty} (target <= 1.2: ${met(result.targets.resendWithin20Percent)}); under 200 ms when full: ${met(result.targets.resendUnder200MsFull)}`,
        `peak RSS            ingestion ${result.peakRssMb.ingestion} MB, preprocessing ${result.peakRssMb.preprocessing} MB`,
        '',
      ].join('\n'),
    );
  } finally {
    await path.close();
    await messaging.drain();
  }
}

runBench(main);
