/**
 * Micro-benchmark of the serving engine: throughput and latency of one-row credit predictions at
 * concurrency 1 and 64, run directly on an in-process session (what a plain server does on its
 * event loop) and through ModelRunner (thread hop + dynamic batching) under several settings.
 *
 *   node -r @swc-node/register libs/inference/test/engine-bench.ts [--seconds=1] [--rounds=5] [--quick]
 *
 * Closed loop: each of C clients sends its next request when the previous one is answered.
 * Figures are in docs/serving-engine.md.
 */
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { ModelRunner, type ModelRunnerOptions } from '../src/engine/model-runner';
import { WorkerPool } from '../src/engine/worker-pool';
import type { Tensor } from '../src/protocol/tensor';
import { CREDIT_FEATURES, creditModel, creditRequest } from '../src/engine/testing/test-models';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const SECONDS = Number(args.get('seconds') ?? 1);
const ROUNDS = Number(args.get('rounds') ?? 5);
const QUICK = args.has('quick');

// A credit model of the size training produces (one hidden layer of 32), and 256 distinct
// one-row requests, cycled.
const bytes = creditModel(7, 32);
const requests: Tensor[][] = Array.from({ length: 256 }, (_, i) => creditRequest(1, 1_000 + i));

interface Result {
  rps: number;
  p50: number;
  p99: number;
}

/** Runs `concurrency` closed-loop clients for SECONDS; latencies in microseconds. */
async function closedLoop(
  concurrency: number,
  call: (request: Tensor[]) => Promise<unknown>,
): Promise<Result> {
  const warmUntil = performance.now() + 200;
  const clientLoop = async (client: number, until: number, latencies?: number[]) => {
    for (let i = client; performance.now() < until; i += concurrency) {
      const started = performance.now();
      await call(requests[i % requests.length]);
      latencies?.push((performance.now() - started) * 1000);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, c) => clientLoop(c, warmUntil)));
  const latencies: number[] = [];
  const started = performance.now();
  const until = started + SECONDS * 1000;
  await Promise.all(Array.from({ length: concurrency }, (_, c) => clientLoop(c, until, latencies)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
}

interface Candidate {
  label: string;
  call: (request: Tensor[]) => Promise<unknown>;
  /** Requests per batch since the last call, for runners. */
  perBatch?: () => number;
  close: () => Promise<void>;
}

const summary: string[] = [];
const print = (line: string) => {
  summary.push(line);
  console.log(line);
};
const median = (values: number[]) => values.slice().sort((a, b) => a - b)[values.length >> 1];

/**
 * Runs every candidate at `concurrency`, round-robin for ROUNDS rounds of SECONDS each, so the
 * noise of a shared machine (other processes, CPU steal) falls on all of them alike; prints the
 * median of each figure over the rounds, and the range of throughput.
 */
async function compare(concurrency: number, candidates: Candidate[]) {
  const results = candidates.map(() => ({
    rps: [] as number[],
    p50: [] as number[],
    p99: [] as number[],
    batch: [] as number[],
  }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, candidate] of candidates.entries()) {
      candidate.perBatch?.();
      const r = await closedLoop(concurrency, candidate.call);
      results[i].rps.push(r.rps);
      results[i].p50.push(r.p50);
      results[i].p99.push(r.p99);
      if (candidate.perBatch) results[i].batch.push(candidate.perBatch());
    }
  }
  for (const [i, { label }] of candidates.entries()) {
    const r = results[i];
    const batch = r.batch.length ? ` ${median(r.batch).toFixed(1).padStart(5)} req/batch` : '';
    print(
      `${label.padEnd(44)} c=${String(concurrency).padEnd(3)} ${Math.round(median(r.rps)).toString().padStart(7)} req/s ` +
        `(${Math.round(Math.min(...r.rps))}-${Math.round(Math.max(...r.rps))})  p50 ${median(r.p50).toFixed(0).padStart(5)} us  p99 ${median(r.p99).toFixed(0).padStart(6)} us${batch}`,
    );
  }
}

async function directSession(
  label: string,
  options: ort.InferenceSession.SessionOptions,
): Promise<Candidate> {
  const session = await ort.InferenceSession.create(bytes, options);
  const call = (request: Tensor[]) =>
    session.run(
      Object.fromEntries(
        request.map((t) => [
          t.name,
          new ort.Tensor(
            t.datatype === 'BYTES' ? 'string' : 'float64',
            t.data as Float64Array,
            t.shape,
          ),
        ]),
      ),
    );
  return { label: `direct session.run ${label}`, call, close: () => session.release() };
}

async function runner(label: string, options: ModelRunnerOptions): Promise<Candidate> {
  const model = await ModelRunner.load(bytes, options);
  let last = model.stats();
  return {
    label: `runner ${label}`,
    call: (r) => model.infer(r),
    perBatch: () => {
      const now = model.stats();
      const perBatch = (now.completed - last.completed) / Math.max(1, now.batches - last.batches);
      last = now;
      return perBatch;
    },
    close: () => model.drain(),
  };
}

async function pool(): Promise<Candidate> {
  const workers = await WorkerPool.start(bytes);
  return {
    label: 'pool.run alone (no batcher)',
    call: (r) => workers.run(r),
    close: () => workers.close(),
  };
}

const TUNED_SESSION: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

async function main() {
  console.log(
    `credit model: ${bytes.byteLength} bytes, ${CREDIT_FEATURES} features; ` +
      `${ROUNDS} rounds of ${SECONDS} s per figure, medians`,
  );
  const headline = [
    await directSession('(ort defaults)', {}),
    await directSession('(1 thread, sequential, opt all)', TUNED_SESSION),
    await runner('defaults', {}),
  ];
  // The worker hop: the runner's and the bare pool's p50 over the direct session's, at c=1.
  const c1 = [
    ...headline,
    await pool(),
    await runner('idleDispatch delay (Triton rule)', { batching: { idleDispatch: 'delay' } }),
  ];
  await compare(1, c1);
  await compare(64, headline);
  if (!QUICK) {
    const sweep = [
      headline[2],
      c1[4],
      await runner('1 batch per worker', { batching: { maxBatchesPerWorker: 1 } }),
      ...(await Promise.all(
        [16, 32, 128].map((maxBatchSize) =>
          runner(`maxBatchSize ${maxBatchSize}`, { batching: { maxBatchSize } }),
        ),
      )),
      ...(await Promise.all(
        [0, 500, 2000].map((maxQueueDelayUs) =>
          runner(`maxQueueDelayUs ${maxQueueDelayUs}`, { batching: { maxQueueDelayUs } }),
        ),
      )),
      await runner('2 workers', { pool: { workers: 2 } }),
      await runner('intraOpNumThreads 2', {
        pool: { session: { intraOpNumThreads: 2, graphOptimizationLevel: 'all' } },
      }),
      await runner('graphOptimizationLevel basic', {
        pool: { session: { intraOpNumThreads: 1, graphOptimizationLevel: 'basic' } },
      }),
    ];
    await compare(64, sweep);
    await Promise.all(sweep.slice(2).map((c) => c.close()));
  }
  await Promise.all(c1.map((c) => c.close()));
  console.log('\nsummary\n' + summary.join('\n'));
}

void main();
