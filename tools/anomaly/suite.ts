// Runs the labelled anomaly suite and prints the table (docs/anomaly-detection.md):
//   node -r @swc-node/register tools/anomaly/suite.ts [--seeds 3] [--scenarios]
// --seeds N: N tuning seeds choose each detector's threshold, N other seeds are reported.
// --scenarios: one row per scenario as well.
import { formatDetectorSuite, runDetectorSuite } from '@keelson/detection';
import { Command, Option } from 'commander';
import { integer, parseCommandLine, usageLine, UsageError } from '../demo/cli-args';

function suiteCommand(): Command {
  return new Command('suite.ts')
    .description('Runs the labelled anomaly suite and prints the table.')
    .usage('[--seeds 3] [--scenarios]')
    .addOption(
      new Option('--seeds <n>', 'tuning seeds, and as many held-out ones')
        .argParser(integer(1, 50))
        .default(3),
    )
    .option('--scenarios', 'one row per scenario as well');
}

function main(): void {
  const { seeds, ...args } = parseCommandLine<{ seeds: number; scenarios?: boolean }>(
    suiteCommand(),
    process.argv.slice(2),
  );
  const started = performance.now();
  const result = runDetectorSuite({ seeds });
  const seconds = (performance.now() - started) / 1000;
  console.log(formatDetectorSuite(result, { scenarios: args.scenarios === true }));
  const points = result.points.toLocaleString('en');
  console.log(
    `\nSuite run in ${seconds.toFixed(1)} s (${points} tuning and held-out points per detector).`,
  );
}

try {
  main();
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  console.error(`suite: ${error.message}\n${usageLine(suiteCommand())}`);
  process.exit(1);
}
