// `./keelson bench tail`: the slowest request while a prediction node dies or hangs, against the
// steady p99, as a new user would meet it: the compiled gateway, three nodes, monitoring and
// recovery as their own processes, BENCH_CLIENTS (8) closed-loop REST clients in this process.
// Each scenario gets a fresh pool: a warm-up, a steady window (BENCH_STEADY_SECONDS, 10), then one
// node SIGKILLed or SIGSTOPped and BENCH_FAULT_SECONDS (6) of fault window. Hedging on (the
// default, adaptive) and off are measured side by side in the one run. Target: the slowest request
// overlapping the fault window under 5x the steady p99, no failed request.
import { waitFor } from '@keelson/testing';
// The e2e tests' pool of compiled processes: the benchmark measures the same deployment.
import { servingPool, type PoolNode } from '../e2e/src/support/serving-pool';

const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const STEADY_MS = Number(process.env.BENCH_STEADY_SECONDS ?? 10) * 1_000;
const FAULT_MS = Number(process.env.BENCH_FAULT_SECONDS ?? 6) * 1_000;
const WARM_UP_MS = 3_000;
const TARGET = 5;
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0
    ? NaN
    : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
const round = (x: number) => Math.round(x * 10) / 10;

async function scenario(signal: 'SIGKILL' | 'SIGSTOP', hedge: 'auto' | 'off') {
  const pool = await servingPool({
    recovery: true,
    gatewayEnv: { GATEWAY_HEDGE_AFTER: hedge },
  });
  let victim: PoolNode | undefined;
  try {
    const load = await pool.underLoad(CLIENTS);
    const warm = performance.now();
    await waitFor('the warm-up', () => performance.now() - warm >= WARM_UP_MS, {
      timeoutMs: WARM_UP_MS + 5_000,
    });
    const steadyAt = performance.now();
    await waitFor('the steady window', () => performance.now() - steadyAt >= STEADY_MS, {
      timeoutMs: STEADY_MS + 5_000,
    });
    victim = pool.nodes[1];
    const failedBefore = load.outcomes.failed.length;
    const faultAt = performance.now();
    if (signal === 'SIGKILL') void victim.process.kill('SIGKILL');
    else victim.process.child.kill('SIGSTOP');
    await waitFor('the fault window', () => performance.now() - faultAt >= FAULT_MS, {
      timeoutMs: FAULT_MS + 5_000,
    });
    const faultTo = performance.now();
    await load.stop(); // every request in flight completes, so the slowest are counted
    const samples = load.outcomes.samples;
    const steady = samples
      .filter((s) => s.start >= steadyAt && s.start + s.ms <= faultAt)
      .map((s) => s.ms)
      .sort((a, b) => a - b);
    const during = samples.filter((s) => s.start + s.ms >= faultAt && s.start <= faultTo);
    const p99 = percentile(steady, 0.99);
    const worst = Math.max(...during.map((s) => s.ms));
    return {
      signal,
      hedge,
      steady: { answers: steady.length, p50: round(percentile(steady, 0.5)), p99: round(p99) },
      fault: { answers: during.length, max: round(worst) },
      ratio: round(worst / p99),
      failed: load.outcomes.failed.length - failedBefore,
      met: worst < TARGET * p99 && load.outcomes.failed.length === failedBefore,
    };
  } finally {
    victim?.process.child.kill('SIGCONT');
    await pool.close();
  }
}

async function main() {
  const results = [];
  for (const hedge of ['auto', 'off'] as const)
    for (const signal of ['SIGKILL', 'SIGSTOP'] as const) {
      say(`${signal} with hedging ${hedge}`);
      const result = await scenario(signal, hedge);
      say(JSON.stringify(result));
      results.push(result);
    }
  process.stdout.write(
    `\n${'fault'.padEnd(8)} ${'hedging'.padEnd(8)} ${'steady p50'.padStart(10)} ${'steady p99'.padStart(10)} ${'max in fault'.padStart(12)} ${'ratio'.padStart(6)} failed  target (< ${TARGET}x, 0 failed)\n`,
  );
  for (const r of results)
    process.stdout.write(
      `${r.signal.padEnd(8)} ${r.hedge.padEnd(8)} ${String(r.steady.p50).padStart(10)} ${String(r.steady.p99).padStart(10)} ${String(r.fault.max).padStart(12)} ${String(r.ratio).padStart(6)} ${String(r.failed).padStart(6)}  ${r.met ? 'met' : 'MISSED'}\n`,
    );
}

main().catch((error) => {
  process.stderr.write(`[bench] ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
