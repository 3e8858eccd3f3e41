// `./keelson bench overload`: the gateway in front of two prediction nodes (compiled processes, as
// the e2e tests run them) offered three times what they can serve, with its adaptive concurrency
// limit off and then on, in the one run. Per mode, on a fresh pool:
//   1. unloaded: one closed-loop client for BENCH_UNLOADED_SECONDS (3): the unloaded p99;
//   2. capacity: BENCH_CLIENTS (32) closed-loop clients for BENCH_CAPACITY_SECONDS (5), the best of
//      BENCH_CAPACITY_WINDOWS (3) such windows: answers/s;
//   3. overload: open-loop arrivals at 3x the capacity measured with the limit off, for
//      BENCH_OVERLOAD_SECONDS (10): goodput (answers within BENCH_DEADLINE_MS, 1 s, per second)
//      and the p99 of the answered requests;
//   4. recovery: at the end of the window arrivals drop to a third of capacity; the time until a
//      500 ms window's p99 is back under 1.5x the unloaded p99.
// Each request asks for BENCH_ROWS (64) rows, so the nodes' work dominates the cost of a request.
// Targets (limit on): goodput >= 90% of capacity, p99 <= 3x unloaded, recovery < 5 s.
import { Agent, request } from 'node:http';
import { churnInputs } from '@keelson/testing';
import { servingPool } from '../e2e/src/support/serving-pool';

const ROWS = Number(process.env.BENCH_ROWS ?? 64);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 32);
const UNLOADED_MS = Number(process.env.BENCH_UNLOADED_SECONDS ?? 3) * 1_000;
const CAPACITY_MS = Number(process.env.BENCH_CAPACITY_SECONDS ?? 5) * 1_000;
const CAPACITY_WINDOWS = Number(process.env.BENCH_CAPACITY_WINDOWS ?? 3);
const OVERLOAD_MS = Number(process.env.BENCH_OVERLOAD_SECONDS ?? 10) * 1_000;
const RECOVERY_MS = 10_000;
const CLIENT_TIMEOUT_MS = 10_000;
const MAX_SOCKETS = Number(process.env.BENCH_SOCKETS ?? 256);
/** A prediction client's deadline: a later answer is no use to it, so it is not goodput. */
const DEADLINE_MS = Number(process.env.BENCH_DEADLINE_MS ?? 1_000);
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

interface Sample {
  start: number;
  ms: number;
  status: number; // 0: no answer (timed out or the connection failed)
}

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
};
const round = (x: number) => Math.round(x * 10) / 10;

/**
 * One request per call, over keep-alive connections of node's http module (at most MAX_SOCKETS at
 * once; more wait for a free one, and that wait counts in their latency, as a client's would).
 * Cheaper per request than fetch, which matters: the generator shares the machine's two cores.
 */
function requester(url: string, key: string, model: string) {
  const body = Buffer.from(JSON.stringify({ inputs: churnInputs(ROWS, 7) }));
  const agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
  const target = new URL(`${url}/v2/models/${model}/infer`);
  const send = async (samples: Sample[]) => {
    const start = performance.now();
    const status = await new Promise<number>((resolve) => {
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${key}`,
            'content-type': 'application/json',
            'content-length': body.length,
          },
          timeout: CLIENT_TIMEOUT_MS,
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => resolve(res.statusCode ?? 0));
          res.on('error', () => resolve(0));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', () => resolve(0));
      req.end(body);
    });
    samples.push({ start, ms: performance.now() - start, status });
  };
  return Object.assign(send, { close: () => agent.destroy() });
}

async function closedLoop(send: (s: Sample[]) => Promise<void>, clients: number, ms: number) {
  const samples: Sample[] = [];
  const until = performance.now() + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < until) await send(samples);
    }),
  );
  return samples;
}

/**
 * Arrivals at `rate` a second for `ms`, whatever the answers do (an open loop). Returns once the
 * window is over, with `done` for the requests still out.
 */
async function openLoop(send: (s: Sample[]) => Promise<void>, rate: number, ms: number) {
  const samples: Sample[] = [];
  const pending: Promise<void>[] = [];
  const started = performance.now();
  let sent = 0;
  while (performance.now() - started < ms) {
    const due = Math.floor(((performance.now() - started) / 1_000) * rate);
    for (; sent < due; sent++) pending.push(send(samples));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { samples, started, done: Promise.all(pending) };
}

async function mode(limit: 'off' | 'adaptive', reference?: number) {
  const pool = await servingPool({
    nodes: 2,
    gatewayEnv: { GATEWAY_CONCURRENCY_LIMIT: limit, GATEWAY_RATE_PER_SECOND: '1000000' },
  });
  let send: ReturnType<typeof requester> | undefined;
  try {
    send = requester(pool.gatewayUrl, pool.key, pool.model);
    await closedLoop(send, CLIENTS, 2_000); // warm-up: connections, JIT, the limit's first probe
    const unloaded = (await closedLoop(send, 1, UNLOADED_MS)).filter((s) => s.status === 200);
    const unloadedP99 = percentile(
      unloaded.map((s) => s.ms),
      0.99,
    );
    // The best of several windows: on a shared 2-core machine one window can catch the pool slow
    // (883 against 2,995 answers/s in two runs of 2026-12-04), and every later figure is scaled
    // by this one.
    const windows: number[] = [];
    for (let i = 0; i < CAPACITY_WINDOWS; i++) {
      const loaded = await closedLoop(send, CLIENTS, CAPACITY_MS);
      windows.push(loaded.filter((s) => s.status === 200).length / (CAPACITY_MS / 1_000));
    }
    const capacity = Math.max(...windows);
    const offered = 3 * (reference ?? capacity);
    say(
      `${limit}: unloaded p99 ${round(unloadedP99)} ms, capacity ${Math.round(capacity)}/s (windows: ${windows.map(Math.round).join(', ')})`,
    );

    const over = await openLoop(send, offered, OVERLOAD_MS);
    // The load drops the moment the overload window ends, whatever is still queued.
    const recovery = await openLoop(send, (reference ?? capacity) / 3, RECOVERY_MS);
    await Promise.all([over.done, recovery.done]);
    // Goodput: answers within the client's deadline, for requests sent in the window.
    const answered = over.samples.filter((s) => s.status === 200 && s.ms <= DEADLINE_MS);
    // Latency: of every admitted request (answered 200), late ones included.
    const admittedMs = over.samples.filter((s) => s.status === 200).map((s) => s.ms);
    const statuses: Record<string, number> = {};
    for (const s of over.samples) {
      const key = s.status === 200 && s.ms > DEADLINE_MS ? '200 late' : String(s.status);
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    // Requests sent in the overload window; answers that came after it still count for it.
    const goodput = answered.length / (OVERLOAD_MS / 1_000);
    const normal = 1.5 * unloadedP99;
    let recoveredMs = NaN;
    for (let at = 0; at + 500 <= RECOVERY_MS; at += 250) {
      const window = recovery.samples.filter(
        (s) => s.start - recovery.started >= at && s.start - recovery.started < at + 500,
      );
      const ok = window.filter((s) => s.status === 200).map((s) => s.ms);
      if (ok.length > 0 && ok.length === window.length && percentile(ok, 0.99) <= normal) {
        recoveredMs = at;
        break;
      }
    }
    // How long a refusal took to come back: the gateway answers it at once, so what it shows is
    // the machine (the generator, the gateway and both nodes share its cores), not a queue.
    const refusedMs = over.samples.filter((s) => s.status === 503).map((s) => s.ms);
    return {
      limit,
      refusalP99: refusedMs.length ? round(percentile(refusedMs, 0.99)) : null,
      unloadedP99: round(unloadedP99),
      capacity: Math.round(capacity),
      offered: Math.round(offered),
      goodput: Math.round(goodput),
      goodputShare: round((100 * goodput) / (reference ?? capacity)),
      p99: round(percentile(admittedMs, 0.99)),
      p99Ratio: round(percentile(admittedMs, 0.99) / unloadedP99),
      statuses,
      recoverySeconds: Number.isNaN(recoveredMs) ? null : recoveredMs / 1_000,
    };
  } finally {
    send?.close();
    await pool.close();
  }
}

async function main() {
  const off = await mode('off');
  say(JSON.stringify(off));
  const on = await mode('adaptive', off.capacity);
  say(JSON.stringify(on));
  const met =
    on.goodputShare >= 90 &&
    on.p99Ratio <= 3 &&
    on.recoverySeconds !== null &&
    on.recoverySeconds < 5;
  process.stdout.write(
    `\nlimit     unloaded p99  capacity  offered  goodput (share)  p99 (x unloaded)  recovery  503 p99  statuses\n`,
  );
  for (const r of [off, on])
    process.stdout.write(
      `${r.limit.padEnd(9)} ${`${r.unloadedP99} ms`.padStart(12)} ${String(r.capacity).padStart(8)} ${String(r.offered).padStart(8)} ${`${r.goodput} (${r.goodputShare}%)`.padStart(16)} ${`${r.p99} ms (${r.p99Ratio}x)`.padStart(17)} ${String(r.recoverySeconds ?? '>10').padStart(7)} s  ${String(r.refusalP99 ?? '-').padStart(7)}  ${JSON.stringify(r.statuses)}\n`,
    );
  process.stdout.write(
    `target (limit on): goodput >= 90% of capacity, p99 <= 3x unloaded, recovery < 5 s: ${met ? 'met' : 'MISSED'}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`[bench] ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
