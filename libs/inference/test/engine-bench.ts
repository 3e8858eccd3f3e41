/**
 * Micro-benchmark of the serving engine: throughput and latency of one-row credit predictions at
 * concurrency 1 and 64, run directly on an in-process session (what a plain server does on its
 * event loop) and through ModelRunner (thread hop + dynamic batching) under several settings.
 *
 *   node -r @swc-node/register libs/inference/test/engine-bench.ts [--seconds=3] [--quick]
 *
 * Closed loop: each of C clients sends its next request when the previous one is answered.
 * Figures are in docs/serving-engine.md.
 */
import { performance } from 'node:perf_hooks';
import type { DatasetDefinition } from '@keelson/schemas';
import {
  createRandom,
  exportOnnx,
  fitTransform,
  onnxInputsFromRecords,
  statsOf,
  type Network,
} from '@keelson/ml';
import * as ort from 'onnxruntime-node';
import { ModelRunner, type ModelRunnerOptions } from '../src/engine/model-runner';
import { WorkerPool } from '../src/engine/worker-pool';
import type { Tensor } from '../src/protocol/tensor';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? 'true'] as const;
  }),
);
const SECONDS = Number(args.get('seconds') ?? 3);
const QUICK = args.has('quick');

const credit: DatasetDefinition = {
  name: 'credit',
  version: 1,
  label: 'default',
  key: 'id',
  fields: {
    id: { type: 'category' },
    age: { type: 'integer' },
    income: { type: 'number', required: false },
    vip: { type: 'boolean' },
    signup: { type: 'timestamp', required: false },
    employment: { type: 'category', required: false },
    region: { type: 'category', values: ['north', 'south', 'east', 'west'] },
    segment: { type: 'category' },
    default: { type: 'boolean' },
  },
};

function records(count: number, seed: number) {
  const random = createRandom(seed);
  const pick = <T>(values: T[]) => values[random.below(values.length)];
  return Array.from({ length: count }, (_, i) => ({
    id: `r${i}`,
    age: 18 + random.below(60),
    income: random.uniform() < 0.15 ? null : 2e4 + random.below(2e5),
    vip: random.uniform() < 0.3,
    signup: new Date(Date.UTC(2015, 0, 1) + random.uniform() * 3e11).toISOString(),
    employment: pick(['salaried', 'retired', 'student', 'self-employed', null]),
    region: pick(['north', 'south', 'east', 'west']),
    segment: pick(['bronze', 'silver', 'gold']),
    default: random.uniform() < 0.2,
  }));
}

/** A credit model of the size training produces: one hidden layer of 32. */
function creditModel() {
  const spec = fitTransform(credit, statsOf(credit, records(2_000, 1)), 1);
  const random = createRandom(7);
  const layer = (inputs: number, outputs: number, activation: 'relu' | 'sigmoid') => ({
    inputs,
    outputs,
    activation,
    weights: Float64Array.from({ length: inputs * outputs }, () => random.uniform() * 2 - 1),
    bias: Float64Array.from({ length: outputs }, () => random.uniform() - 0.5),
  });
  const network: Network = {
    layers: [layer(spec.featureNames.length, 32, 'relu'), layer(32, 1, 'sigmoid')],
  };
  return { spec, bytes: exportOnnx(spec, network) };
}

const { spec, bytes } = creditModel();
// 256 distinct one-row requests, cycled.
const requests: Tensor[][] = records(256, 3).map((record) =>
  Object.entries(onnxInputsFromRecords(spec, [record])).map(([name, feed]) => ({
    name,
    datatype: feed.type === 'string' ? 'BYTES' : 'FP64',
    shape: feed.dims,
    data: feed.data,
  })),
);

interface Result {
  rps: number;
  p50: number;
  p99: number;
}

/** Runs `concurrency` closed-loop clients for SECONDS; latencies in microseconds. */
async function closedLoop(
  concurrency: number,
  call: (request: Tensor[]) => Promise<unknown>,
  seconds = SECONDS,
): Promise<Result> {
  const warmUntil = performance.now() + 300;
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
  const until = started + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, (_, c) => clientLoop(c, until, latencies)));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99) };
}

const rows: string[] = [];
function report(label: string, concurrency: number, r: Result, extra = '') {
  const line = `${label.padEnd(46)} c=${String(concurrency).padEnd(3)} ${Math.round(r.rps)
    .toString()
    .padStart(7)} req/s  p50 ${r.p50.toFixed(0).padStart(6)} us  p99 ${r.p99
    .toFixed(0)
    .padStart(6)} us ${extra}`;
  rows.push(line);
  console.log(line);
}

async function directSession(options: ort.InferenceSession.SessionOptions) {
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
  return { call, close: () => session.release() };
}

async function direct(label: string, options: ort.InferenceSession.SessionOptions) {
  const { call, close } = await directSession(options);
  for (const c of [1, 64]) report(`direct session.run ${label}`, c, await closedLoop(c, call));
  await close();
}

async function runner(label: string, options: ModelRunnerOptions, concurrencies = [1, 64]) {
  const model = await ModelRunner.load(bytes, options);
  for (const c of concurrencies) {
    const before = model.stats();
    const result = await closedLoop(c, (r) => model.infer(r));
    const after = model.stats();
    const perBatch = (after.completed - before.completed) / (after.batches - before.batches);
    report(`runner ${label}`, c, result, `(${perBatch.toFixed(1)} req/batch)`);
  }
  await model.drain();
}

/**
 * The worker hop at concurrency 1, measured in alternation with the direct session so that the
 * noise of a shared machine falls on both alike: median p50 over the rounds.
 */
async function hop(rounds: number) {
  const session = await directSession(TUNED_SESSION);
  const pool = await WorkerPool.start(bytes);
  const model = await ModelRunner.load(bytes);
  const p50s: Record<string, number[]> = { direct: [], pool: [], runner: [] };
  for (let round = 0; round < rounds; round++) {
    p50s.direct.push((await closedLoop(1, session.call, 1)).p50);
    p50s.pool.push((await closedLoop(1, (r) => pool.run(r), 1)).p50);
    p50s.runner.push((await closedLoop(1, (r) => model.infer(r), 1)).p50);
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[values.length >> 1];
  const [d, p, r] = [median(p50s.direct), median(p50s.pool), median(p50s.runner)];
  const line = `worker hop at c=1 (median p50 of ${rounds} rounds): direct ${d.toFixed(0)} us, pool.run ${p.toFixed(0)} us (+${(p - d).toFixed(0)}), runner.infer ${r.toFixed(0)} us (+${(r - d).toFixed(0)})`;
  rows.push(line);
  console.log(line);
  await Promise.all([session.close(), pool.close(), model.drain()]);
}

const TUNED_SESSION: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
};

async function main() {
  console.log(
    `credit model: ${bytes.byteLength} bytes, ${spec.featureNames.length} features; ${SECONDS} s per run`,
  );
  await direct('(ort defaults)', {});
  await direct('(1 thread, sequential, opt all)', TUNED_SESSION);
  await runner('defaults', {});
  await hop(QUICK ? 3 : 7);
  if (!QUICK) {
    await runner('idleDispatch delay (Triton rule)', { batching: { idleDispatch: 'delay' } });
    await runner('1 batch per worker', { batching: { maxBatchesPerWorker: 1 } }, [64]);
    for (const maxBatchSize of [8, 16, 64, 128]) {
      await runner(`maxBatchSize ${maxBatchSize}`, { batching: { maxBatchSize } }, [64]);
    }
    for (const maxQueueDelayUs of [0, 100, 2000]) {
      await runner(`maxQueueDelayUs ${maxQueueDelayUs}`, { batching: { maxQueueDelayUs } }, [64]);
    }
    await runner('2 workers', { pool: { workers: 2 } });
    await runner(
      'intraOpNumThreads 2',
      { pool: { session: { intraOpNumThreads: 2, graphOptimizationLevel: 'all' } } },
      [64],
    );
    await runner(
      'graphOptimizationLevel basic',
      { pool: { session: { intraOpNumThreads: 1, graphOptimizationLevel: 'basic' } } },
      [1, 64],
    );
  }
  console.log('\nsummary\n' + rows.join('\n'));
}

void main();
