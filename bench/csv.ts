// `node -r @swc-node/register bench/csv.ts` (or `./keelson bench csv`): the demo's CSV reader and
// writer (tools/demo/csv.ts) against the csv project's csv-parse and csv-stringify, on the same
// generated credit file in the same run, twice. The reader is on the producer's path
// (`./keelson produce` reads the file); the writer is generate-credit's. Each library version is
// asked for the same output, and the bench checks it got it.
//   BENCH_ROWS (200000), BENCH_BATCH (records per batch, 500 as produce's default)
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify/sync';
import { CREDIT_COLUMNS, generateCredit } from '@keelson/sample-data';
import { convertCell, type Cell } from '../tools/demo/csv';
import { writeCredit } from '../tools/demo/generate-credit';
import { readBatches } from '../tools/demo/read-records';

const ROWS = Number(process.env.BENCH_ROWS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Run {
  rows: number;
  /** A digest of what was read or written, so each contender is held to the same output. */
  digest: string;
}

/** The producer's reader as `./keelson produce` runs it: readline, CsvRecordReader, batches. */
async function handWrittenReader(file: string): Promise<Run> {
  const hash = createHash('sha256');
  let rows = 0;
  for await (const batch of readBatches(createReadStream(file), 'csv', BATCH)) {
    for (const record of batch.records) hash.update(JSON.stringify(record));
    rows += batch.records.length;
  }
  return { rows, digest: hash.digest('hex') };
}

/**
 * csv-parse asked for the same records: a quoted cell stays text, an unquoted one is converted
 * (convertCell), which needs each cell's `quoting` flag, which only a cast function is given.
 */
async function csvParseReader(file: string): Promise<Run> {
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      cast: (value, context) =>
        context.records === 0 ? value : convertCell(value, context.quoting),
    }),
  );
  const hash = createHash('sha256');
  let header: string[] | null = null;
  let batch: Record<string, Cell>[] = [];
  let rows = 0;
  for await (const cells of parser as AsyncIterable<Cell[]>) {
    if (header === null) {
      header = (cells as string[]).map((name) => name.trim());
      continue;
    }
    const record: Record<string, Cell> = Object.create(null);
    header.forEach((name, k) => (record[name] = cells[k]));
    batch.push(record);
    if (batch.length >= BATCH) {
      for (const r of batch) hash.update(JSON.stringify(r));
      rows += batch.length;
      batch = [];
    }
  }
  for (const r of batch) hash.update(JSON.stringify(r));
  return { rows: rows + batch.length, digest: hash.digest('hex') };
}

/** csv-parse with no cast at all: every cell a string, so not the same records; its floor. */
async function csvParseStrings(file: string): Promise<Run> {
  let rows = -1; // the header
  const parser = createReadStream(file).pipe(parse({ bom: true, relax_quotes: true }));
  for await (const _cells of parser) rows++;
  return { rows, digest: '' };
}

class DigestSink extends Writable {
  readonly hash = createHash('sha256');
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.hash.update(chunk);
    done();
  }
}

/** generate-credit's writer: the generator, formatCsvRow, 64 KB chunks. */
async function handWrittenWriter(): Promise<Run> {
  const sink = new DigestSink();
  await writeCredit(sink, { rows: ROWS, seed: 42, format: 'csv' });
  return { rows: ROWS, digest: sink.hash.digest('hex') };
}

/**
 * The same loop with csv-stringify formatting each row (its per-row call measured faster here
 * than piping rows through its stream), told to write booleans as true/false and to quote
 * padded text as formatCsvRow does.
 */
async function csvStringifyWriter(): Promise<Run> {
  const sink = new DigestSink();
  const options = { cast: { boolean: (b: boolean) => String(b) }, quoted_match: /^\s|\s$/ };
  let chunk = `${CREDIT_COLUMNS.join(',')}\n`;
  for (const { record } of generateCredit({ rows: ROWS, seed: 42 })) {
    chunk += stringify([CREDIT_COLUMNS.map((c) => record[c])], options);
    if (chunk.length >= 64 * 1024) {
      if (!sink.write(chunk)) await once(sink, 'drain');
      chunk = '';
    }
  }
  sink.write(chunk);
  return { rows: ROWS, digest: sink.hash.digest('hex') };
}

async function measure(name: string, run: () => Promise<Run>, baseline?: number) {
  const started = performance.now();
  const result = await run();
  const rate = result.rows / ((performance.now() - started) / 1000);
  const ratio = baseline ? `  ${(rate / baseline).toFixed(2)}x the hand-written one` : '';
  say(`  ${name.padEnd(44)} ${Math.round(rate).toLocaleString('en').padStart(9)} rows/s${ratio}`);
  return { ...result, rate };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'keelson-bench-csv-'));
  const file = join(dir, 'credit.csv');
  try {
    const out = createWriteStream(file);
    await writeCredit(out, { rows: ROWS, seed: 42, format: 'csv' });
    out.end();
    await once(out, 'finish');
    say(`${ROWS.toLocaleString('en')} credit rows, ${(statSync(file).size / 1e6).toFixed(1)} MB`);
    for (const round of [1, 2]) {
      say(`round ${round}: reading, in batches of ${BATCH}`);
      const own = await measure('hand-written (readline + CsvRecordReader)', () =>
        handWrittenReader(file),
      );
      const lib = await measure('csv-parse, same records', () => csvParseReader(file), own.rate);
      await measure(
        'csv-parse, strings only (not the same)',
        () => csvParseStrings(file),
        own.rate,
      );
      say(`round ${round}: writing, generator included`);
      const wrote = await measure('hand-written (formatCsvRow)', handWrittenWriter);
      const lib2 = await measure('csv-stringify, same bytes', csvStringifyWriter, wrote.rate);
      if (own.rows !== ROWS || lib.rows !== ROWS || own.digest !== lib.digest)
        throw new Error('csv-parse did not read the same records as the hand-written reader');
      if (wrote.digest !== lib2.digest)
        throw new Error('csv-stringify did not write the same bytes as formatCsvRow');
    }
    say('both libraries gave the same records and bytes as the hand-written code');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  say(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
