// `./keelson drill soak`: a healthy pool under steady load for SOAK_MINUTES (10), watched by the
// real monitoring service. Three real prediction nodes behind a real gateway, SOAK_CLIENTS (6)
// closed-loop callers. The target: no node alert at all. Prints the load's figures and every alert.
import { servingPool } from '../support/serving-pool';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 6);
const say = (line: string) => process.stderr.write(`[soak] ${line}\n`);

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
}

async function main() {
  say('starting monitoring, a gateway and three prediction nodes');
  const pool = await servingPool();
  try {
    await pool.settled();
    const load = pool.load(CLIENTS);
    const started = Date.now();
    const end = started + MINUTES * 60_000;
    while (Date.now() < end) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, end - Date.now())));
      const view = await pool.monitored();
      say(
        `${((Date.now() - started) / 60_000).toFixed(1)} min: ${load.outcomes.ok} answered, ${load.outcomes.failed.length} failed; ` +
          `nodes ${view.map((n) => `${n.nodeId.slice(-2)}=${n.state}`).join(' ')}; alerts ${pool.alerts.length}`,
      );
    }
    await load.stop();
    const seconds = (Date.now() - started) / 1_000;
    const latencies = load.outcomes.latencies.sort((a, b) => a - b);
    const nodeAlerts = pool.alerts.filter((a) => a.kind.startsWith('node.'));
    console.log(`\nsoak: ${MINUTES} min, ${CLIENTS} clients through the gateway to 3 nodes`);
    console.log(
      `  answered ${load.outcomes.ok} (${Math.round(load.outcomes.ok / seconds)} req/s), failed ${load.outcomes.failed.length}`,
    );
    console.log(
      `  latency p50 ${percentile(latencies, 0.5).toFixed(2)} ms, p99 ${percentile(latencies, 0.99).toFixed(2)} ms, max ${(latencies.at(-1) ?? 0).toFixed(1)} ms`,
    );
    console.log(
      `  node alerts: ${nodeAlerts.length} (target 0)  ${nodeAlerts.length === 0 ? 'met' : 'NOT MET'}`,
    );
    for (const a of pool.alerts)
      console.log(`  alert ${a.kind} ${a.state} ${a.target}: ${a.message}`);
    if (load.outcomes.failed.length > 0)
      console.log(`  first failures: ${load.outcomes.failed.slice(0, 5).join(' | ')}`);
    process.exitCode = nodeAlerts.length === 0 ? 0 : 1;
  } finally {
    await pool.close();
  }
}

main().catch((error: Error) => {
  say(error.stack ?? error.message);
  process.exit(1);
});
