// Sends a CSV or NDJSON file to a Keelson dataset, over HTTP (default) or straight onto JetStream:
//   node -r @swc-node/register tools/demo/produce.ts --file credit.csv --dataset credit --key-file .keelson/admin-key
import { readFileSync, statSync } from 'node:fs';
import { choiceOption, intOption, parseCli, UsageError } from './cli-args';
import { IngestHttpClient } from './http-client';
import { openNatsSink } from './nats-sink';
import { runPool } from './pool';
import { Progress } from './progress';
import { fileStream, formatFromPath, readBatches, type Batch } from './read-records';
import { humanSummary, Summary } from './summary';

const USAGE = `usage: produce.ts --file data.csv|data.ndjson --dataset NAME [--via http|nats]
  [--url http://127.0.0.1:8082] [--key KEY | --key-file FILE] [--nats nats://127.0.0.1:4222]
  [--batch 500] [--concurrency 4] [--format csv|ndjson]`;

export interface ProduceOptions {
  file: string;
  dataset: string;
  via: 'http' | 'nats';
  url: string;
  key: string;
  nats: string;
  batch: number;
  concurrency: number;
  format: 'csv' | 'ndjson';
}

export function parseProduceArgs(argv: string[], env: NodeJS.ProcessEnv): ProduceOptions {
  const args = parseCli(argv, {
    file: { type: 'string' },
    dataset: { type: 'string' },
    via: { type: 'string' },
    url: { type: 'string' },
    key: { type: 'string' },
    'key-file': { type: 'string' },
    nats: { type: 'string' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    format: { type: 'string' },
  });
  if (!args.file) throw new UsageError('--file is required');
  if (!args.dataset) throw new UsageError('--dataset is required');
  const via = choiceOption(args.via, 'via', ['http', 'nats'], 'http');
  if (args.key && args['key-file']) throw new UsageError('give --key or --key-file, not both');
  let key = args.key ?? env.KEELSON_API_KEY ?? '';
  if (args['key-file']) key = readFileSync(args['key-file'], 'utf8').trim();
  if (via === 'http' && !key) {
    throw new UsageError('--via http needs --key, --key-file or KEELSON_API_KEY');
  }
  return {
    file: args.file,
    dataset: args.dataset,
    via,
    url: args.url ?? 'http://127.0.0.1:8082',
    key,
    nats: args.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222',
    // The ingest event carries at most 10,000 records.
    batch: intOption(args.batch, 'batch', 500, 1, 10_000),
    concurrency: intOption(args.concurrency, 'concurrency', 4, 1, 256),
    format: args.format
      ? choiceOption(args.format, 'format', ['csv', 'ndjson'], 'csv')
      : formatFromPath(args.file),
  };
}

export interface ProduceResult {
  summary: Summary;
  elapsedMs: number;
  /** Set when the run stopped early; the summary then covers what was done before. */
  error?: unknown;
}

export async function produce(
  options: ProduceOptions,
  progress: Progress,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<ProduceResult> {
  const summary = new Summary(options.via, options.dataset);
  const started = Date.now();
  let send: (batch: Batch) => Promise<void>;
  let close = async (): Promise<void> => {};
  if (options.via === 'http') {
    const client = new IngestHttpClient({
      url: options.url,
      dataset: options.dataset,
      key: options.key,
      onRetry: ({ status, waitMs, attempt }) =>
        log(`server answered ${status}; retry ${attempt} in ${(waitMs / 1000).toFixed(1)} s`),
    });
    send = async (batch) =>
      summary.addResponse(batch.records.length, await client.send(batch.records));
  } else {
    const sink = await openNatsSink({
      url: options.nats,
      dataset: options.dataset,
      user: process.env.NATS_USER,
      password: process.env.NATS_PASSWORD,
      onRetry: ({ attempt, error }) => log(`publish failed (${error}); retry ${attempt}`),
    });
    send = async (batch) =>
      summary.addPublished(batch.records.length, (await sink.publish(batch.records)).duplicate);
    close = () => sink.close();
  }
  let error: unknown;
  try {
    const batches = readBatches(fileStream(options.file), options.format, options.batch);
    await runPool(batches, options.concurrency, async (batch) => {
      await send(batch);
      progress.advance(batch.bytes, batch.records.length);
    });
    progress.finish();
  } catch (caught) {
    error = caught;
  } finally {
    await close().catch(() => {});
  }
  return { summary, elapsedMs: Date.now() - started, error };
}

async function main(): Promise<number> {
  const options = parseProduceArgs(process.argv.slice(2), process.env);
  const progress = new Progress(statSync(options.file).size);
  const { summary, elapsedMs, error } = await produce(options, progress);
  const report = summary.toJSON(elapsedMs);
  if (error !== undefined) {
    process.stderr.write(`\nproduce: ${error instanceof Error ? error.message : String(error)}\n`);
    process.stderr.write(`before stopping: ${humanSummary(report)}\n`);
    return 1;
  }
  process.stdout.write(`${JSON.stringify(report)}\n${humanSummary(report)}\n`);
  return 0;
}

if (require.main === module) {
  // On failure, exit outright: a NATS connection still retrying would keep the process alive.
  main().then(
    (code) => (code === 0 ? (process.exitCode = 0) : process.exit(code)),
    (error: unknown) => {
      process.stderr.write(`produce: ${error instanceof Error ? error.message : String(error)}\n`);
      if (error instanceof UsageError) process.stderr.write(`${USAGE}\n`);
      process.exit(1);
    },
  );
}
