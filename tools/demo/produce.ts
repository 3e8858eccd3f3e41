// Sends a CSV or NDJSON file to a Keelson dataset, over HTTP (default) or straight onto JetStream:
//   node -r @swc-node/register tools/demo/produce.ts --file credit.csv --dataset credit --key-file .keelson/admin-key
import { readFileSync, statSync } from 'node:fs';
import { Command, Option } from 'commander';
import { integer, parseCommandLine, usageLine, UsageError } from './cli-args';
import { IngestHttpClient } from './http-client';
import { openNatsSink } from './nats-sink';
import { runPool } from './pool';
import { Progress } from './progress';
import { fileStream, formatFromPath, readBatches, type Batch } from './read-records';
import { humanSummary, Summary } from './summary';

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

/** Its options: `./keelson produce` (tools/cli/program.ts) declares them too, to hand over. */
export function produceCommand(): Command {
  return new Command('produce.ts')
    .description('Sends a CSV or NDJSON file to a Keelson dataset, over HTTP or onto JetStream.')
    .usage(
      `--file data.csv|data.ndjson --dataset NAME [--via http|nats]
  [--url http://127.0.0.1:8082] [--key KEY | --key-file FILE] [--nats nats://127.0.0.1:4222]
  [--batch 500] [--concurrency 4] [--format csv|ndjson]`,
    )
    .requiredOption('--file <path>', 'records: CSV with a header, or NDJSON')
    .requiredOption('--dataset <name>', 'the dataset they belong to')
    .addOption(
      new Option('--via <http|nats>', 'how to send them').choices(['http', 'nats']).default('http'),
    )
    .option('--url <url>', 'ingestion, with --via http', 'http://127.0.0.1:8082')
    .addOption(
      new Option(
        '--key <key>',
        'an API key with the ingest scope (default: $KEELSON_API_KEY)',
      ).conflicts('keyFile'),
    )
    .option('--key-file <path>', 'a file holding the key')
    .option(
      '--nats <url>',
      'with --via nats: the server (default: $NATS_URL or nats://127.0.0.1:4222)',
    )
    .addOption(
      // The ingest event carries at most 10,000 records.
      new Option('--batch <n>', 'records per request or message')
        .argParser(integer(1, 10_000))
        .default(500),
    )
    .addOption(
      new Option('--concurrency <n>', 'batches in flight').argParser(integer(1, 256)).default(4),
    )
    .addOption(
      new Option('--format <csv|ndjson>', 'the file format, if its extension does not say').choices(
        ['csv', 'ndjson'],
      ),
    );
}

interface ProduceArgs {
  file: string;
  dataset: string;
  via: 'http' | 'nats';
  url: string;
  key?: string;
  keyFile?: string;
  nats?: string;
  batch: number;
  concurrency: number;
  format?: 'csv' | 'ndjson';
}

export function parseProduceArgs(argv: string[], env: NodeJS.ProcessEnv): ProduceOptions {
  const args = parseCommandLine<ProduceArgs>(produceCommand(), argv);
  const key = args.keyFile
    ? readFileSync(args.keyFile, 'utf8').trim()
    : (args.key ?? env.KEELSON_API_KEY ?? '');
  if (args.via === 'http' && !key) {
    throw new UsageError('--via http needs --key, --key-file or KEELSON_API_KEY');
  }
  return {
    file: args.file,
    dataset: args.dataset,
    via: args.via,
    url: args.url,
    key,
    nats: args.nats ?? env.NATS_URL ?? 'nats://127.0.0.1:4222',
    batch: args.batch,
    concurrency: args.concurrency,
    format: args.format ?? formatFromPath(args.file),
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
  /** Retries and the like: above the progress bar on a terminal, a line of its own otherwise. */
  log: (line: string) => void = (line) => progress.log(line),
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
    progress.stop();
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
    process.stderr.write(`produce: ${error instanceof Error ? error.message : String(error)}\n`);
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
      if (error instanceof UsageError) process.stderr.write(`${usageLine(produceCommand())}\n`);
      process.exit(1);
    },
  );
}
