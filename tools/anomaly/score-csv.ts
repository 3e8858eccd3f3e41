// Scores a `timestamp,value` CSV with the platform's streaming anomaly detector, the convention of
// public anomaly-detection benchmarks (NAB and others), so the detector can be judged on data
// nobody here wrote:
//   node -r @swc-node/register tools/anomaly/score-csv.ts --input in.csv --output out.csv [--detector keelson|zscore]
// Reads stdin and writes stdout when --input / --output are not given. Each row's score uses only
// the rows before it. Exit codes: 1 for a bad command line, 2 for a malformed row (named by line).
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { parseCommandLine, usageLine, UsageError } from '../demo/cli-args';
import {
  createDetector,
  CsvScorer,
  DETECTORS,
  MalformedRowError,
  type DetectorChoice,
} from './csv-scoring';

function scoreCommand(): Command {
  return new Command('score-csv.ts')
    .description('Scores a timestamp,value CSV with a streaming anomaly detector.')
    .usage('[--input in.csv] [--output out.csv] [--detector keelson|zscore]')
    .option('--input <file>', 'the CSV to score (default: stdin)')
    .option('--output <file>', 'where the scores go (default: stdout)')
    .addOption(
      new Option('--detector <keelson|zscore>', 'the detector')
        .choices(DETECTORS)
        .default('keelson'),
    );
}

/** Streams rows through the scorer, waiting for `drain`, so memory stays flat for any file size. */
export async function scoreStream(
  input: Readable,
  output: Writable,
  detector: DetectorChoice,
): Promise<number> {
  const scorer = new CsvScorer(createDetector(detector));
  let chunk = `${scorer.header}\n`;
  let lineNumber = 0;
  for await (const line of createInterface({ input, crlfDelay: Infinity })) {
    const row = scorer.push(line, ++lineNumber);
    if (row === null) continue;
    chunk += `${row}\n`;
    if (chunk.length >= 64 * 1024) {
      if (!output.write(chunk)) await once(output, 'drain');
      chunk = '';
    }
  }
  output.write(chunk);
  return scorer.rowCount;
}

async function main(): Promise<void> {
  const { detector, ...args } = parseCommandLine<{
    input?: string;
    output?: string;
    detector: DetectorChoice;
  }>(scoreCommand(), process.argv.slice(2));
  const input = args.input ? createReadStream(args.input) : process.stdin;
  const output = args.output ? createWriteStream(args.output) : process.stdout;
  output.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    console.error(`score-csv: ${error.message}`);
    process.exit(1);
  });
  let rows: number;
  try {
    rows = await scoreStream(input, output, detector);
  } catch (error) {
    // A half-written scores file would look like a whole one.
    if (args.output) {
      output.destroy();
      await rm(args.output, { force: true });
    }
    throw error;
  }
  if (output !== process.stdout) {
    output.end();
    await once(output, 'finish');
    console.error(`score-csv: scored ${rows} rows with ${detector} into ${args.output}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`score-csv: ${error.message}\n${usageLine(scoreCommand())}`);
      process.exit(1);
    }
    console.error(`score-csv: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(error instanceof MalformedRowError ? 2 : 1);
  });
}
