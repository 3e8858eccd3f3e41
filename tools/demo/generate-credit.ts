// Writes the synthetic credit-default dataset as CSV or NDJSON:
//   node -r @swc-node/register tools/demo/generate-credit.ts --rows 10000 --seed 42 --format csv --out credit.csv
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { CREDIT_COLUMNS, generateCredit, type CreditRecord } from '@keelson/sample-data';
import { Command, Option } from 'commander';
import { formatCsvRow } from './csv';
import { integer, parseCommandLine, usageLine, UsageError } from './cli-args';

function generateCommand(): Command {
  return new Command('generate-credit.ts')
    .description(
      'Writes the synthetic credit-default dataset as CSV or NDJSON (stdout by default).',
    )
    .usage('[--rows 10000] [--seed 42] [--format csv|ndjson] [--out FILE]')
    .addOption(new Option('--rows <n>', 'rows').argParser(integer(0, 100_000_000)).default(10_000))
    .addOption(new Option('--seed <n>', 'the seed').argParser(integer(0, 2 ** 32 - 1)).default(42))
    .addOption(
      new Option('--format <csv|ndjson>', 'the output format')
        .choices(['csv', 'ndjson'])
        .default('csv'),
    )
    .option('--out <file>', 'the file to write');
}

export type OutputFormat = 'csv' | 'ndjson';

export function formatRecord(record: CreditRecord, format: OutputFormat): string {
  return format === 'csv'
    ? formatCsvRow(CREDIT_COLUMNS.map((c) => record[c]))
    : JSON.stringify(record);
}

/** Streams rows out in chunks and waits for `drain`, so memory stays flat for any row count. */
export async function writeCredit(
  out: Writable,
  options: { rows: number; seed: number; format: OutputFormat },
): Promise<void> {
  let chunk = options.format === 'csv' ? `${CREDIT_COLUMNS.join(',')}\n` : '';
  for (const { record } of generateCredit(options)) {
    chunk += `${formatRecord(record, options.format)}\n`;
    if (chunk.length >= 64 * 1024) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  if (chunk) out.write(chunk);
}

async function main(): Promise<void> {
  const { rows, seed, format, ...args } = parseCommandLine<{
    rows: number;
    seed: number;
    format: OutputFormat;
    out?: string;
  }>(generateCommand(), process.argv.slice(2));
  const out = args.out ? createWriteStream(args.out) : process.stdout;
  // `generate | head` closes the pipe early; that is the reader's choice, not an error.
  out.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    console.error(`generate-credit: ${error.message}`);
    process.exit(1);
  });
  await writeCredit(out, { rows, seed, format });
  if (out !== process.stdout) {
    out.end();
    await once(out, 'finish');
    console.error(`generate-credit: wrote ${rows} rows to ${args.out}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`generate-credit: ${error instanceof Error ? error.message : String(error)}`);
    if (error instanceof UsageError) console.error(usageLine(generateCommand()));
    process.exit(1);
  });
}
