// Runs the labelled anomaly suite and prints the table (docs/anomaly-detection.md):
//   node -r @swc-node/register tools/anomaly/suite.ts [--seeds 3] [--scenarios]
// --seeds N: N tuning seeds choose each detector's threshold, N other seeds are reported.
// --scenarios: one row per scenario as well.
import { formatDetectorSuite, runDetectorSuite } from '@keelson/detection';
import { intOption, parseCli, UsageError } from '../demo/cli-args';

const USAGE = 'usage: suite.ts [--seeds 3] [--scenarios]';

function main(): void {
  const args = parseCli(process.argv.slice(2), {
    seeds: { type: 'string' },
    scenarios: { type: 'boolean' },
  });
  const seeds = intOption(args.seeds, 'seeds', 3, 1, 50);
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
  console.error(`suite: ${error.message}\n${USAGE}`);
  process.exit(1);
}
