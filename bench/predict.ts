// `./keelson bench predict`: closed-loop load on a credit model, from a separate process, against
// (a) onnxruntime-node in-process (the limit), (b) a minimal Fastify + onnxruntime server (the peer
// baseline), (c) one prediction node over REST and gRPC, (d) the gateway in front of one node, then
// two (REST and gRPC), (e) a node's response cache off against on, on a workload with repeats.
// Concurrency 1 and 64; throughput, p50/p99 latency and the CPU split for each. BENCH_SECONDS (5) a run;
// BENCH_SETUPS (e.g. `c,d`) runs only those setups, for profiling or a side-by-side of one of them.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { connectNats, provision } from '@keelson/messaging';
import {
  applyTransform,
  exportOnnx,
  fitTransform,
  statsOf,
  train,
  type RawValue,
} from '@keelson/ml';
import { ApiKeyRepository, connectMongo } from '@keelson/persistence';
import { CATALOGUE, encodeBucketValue, ModelPointersValue } from '@keelson/schemas';
import { freePort, uniqueId, waitFor, waitForOk } from '@keelson/testing';
import { CREDIT_SCHEMA, generateCredit } from '@keelson/sample-data';

const root = join(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const mongoBase = (process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017/keelson').replace(
  /\/[^/]*$/,
  '',
);
const SETUPS = process.env.BENCH_SETUPS?.split(',').map((s) => s.trim());
const runs = (setup: 'a' | 'b' | 'c' | 'd' | 'e') => !SETUPS || SETUPS.includes(setup);
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const work = join(root, '.keelson/bench/predict');
const children: ChildProcess[] = [];
/** The node token tools/bench/run.sh exports: the nodes this benchmark starts require it. */
const nodeToken = process.env.KEELSON_NODE_TOKENS?.split(',')[0];
/** Share of the cache node's look-ups answered from memory, over warm-up and run. */
let cacheHitRate = 0;

interface Result {
  throughput: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU cores each process used while the load ran: the load generator's own, the services'. */
  cpu?: Record<string, number>;
}

/** A service process whose CPU is counted while a load runs against it. */
interface Watched {
  name: string;
  child: ChildProcess;
}

/** CPU seconds (user + system, every thread) a process has used so far, from /proc. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in USER_HZ (100)
}

function spawnNode(script: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const compiled = script.endsWith('.js');
  const child = spawn(
    process.execPath,
    [
      // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the services,
      // BENCH_LOAD_ARGS to the load generators.
      ...((compiled ? process.env.BENCH_NODE_ARGS : process.env.BENCH_LOAD_ARGS)
        ?.split(' ')
        .filter(Boolean) ?? []),
      ...(compiled ? [] : ['-r', '@swc-node/register']),
      join(root, script),
      ...args,
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
        LOG_LEVEL: 'warn',
        KEELSON_TRACING: 'false',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  return child;
}

function load(
  protocol: 'rest' | 'rest-raw' | 'grpc' | 'grpc-lean',
  target: string,
  model: string,
  concurrency: number,
  key?: string,
  env: Record<string, string> = {},
  watched: Watched[] = [],
): Promise<Result> {
  return new Promise((resolve, reject) => {
    // Services are counted over the generator's measured window, which it marks on stdout.
    let before: number[] = [];
    let after: number[] = [];
    let measuredFor = 0;
    let windowStart = 0;
    const child = spawnNode(
      'bench/predict/load.ts',
      [protocol, target, model, String(concurrency), String(SECONDS), join(work, 'body.json')],
      { ...(key ? { KEELSON_API_KEY: key } : {}), ...env },
    );
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      const sample = () => watched.map((w) => cpuSeconds(w.child.pid!));
      if (!windowStart && out.includes('measuring\n')) {
        before = sample();
        windowStart = performance.now();
      }
      if (!measuredFor && out.includes('measured\n')) {
        after = sample();
        measuredFor = (performance.now() - windowStart) / 1000;
      }
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}`));
      const { cores, ...result } = JSON.parse(
        out.slice(out.lastIndexOf('measured\n') + 9),
      ) as Result & {
        cores: number;
      };
      const cpu: Record<string, number> = { load: cores };
      watched.forEach((w, i) => {
        cpu[w.name] = (cpu[w.name] ?? 0) + (after[i] - before[i]) / measuredFor;
      });
      resolve({ ...result, cpu });
    });
  });
}

/** A credit model trained on generated data, as the training service would export it. */
function creditModel() {
  const definition = { name: 'credit', version: 1, ...CREDIT_SCHEMA } as Parameters<
    typeof fitTransform
  >[0];
  const records = [...generateCredit({ seed: 42, rows: 20_000 })].map(
    (r) => r.record as unknown as Record<string, RawValue>,
  );
  const spec = fitTransform(definition, statsOf(definition, records), 1);
  const width = spec.featureNames.length;
  const x = new Float64Array(records.length * width);
  const labels = new Int32Array(records.length);
  records.forEach((r, i) => {
    const row = applyTransform(spec, r);
    x.set(row.features, i * width);
    labels[i] = row.label ?? 0;
  });
  const { network } = train({ x, labels, rows: records.length, hidden: [32], epochs: 5, seed: 1 });
  const sample = records[7];
  const inputs = spec.features.map((f) => ({
    name: f.field,
    datatype: f.kind === 'category' ? 'BYTES' : 'FP64',
    shape: [1, 1],
    data: [
      f.kind === 'category'
        ? String(sample[f.field] ?? '')
        : typeof sample[f.field] === 'number'
          ? sample[f.field]
          : 'NaN',
    ],
  }));
  return { onnx: exportOnnx(spec, network, { model: 'bench' }), body: { inputs } };
}

async function inProcess(
  onnx: Uint8Array,
  body: { inputs: Array<{ name: string; datatype: string; data: unknown[] }> },
): Promise<Result> {
  const session = await InferenceSession.create(onnx, {
    intraOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feeds = () =>
    Object.fromEntries(
      body.inputs.map((i) => [
        i.name,
        i.datatype === 'BYTES'
          ? new Tensor('string', i.data as string[], [1, 1])
          : new Tensor('float64', Float64Array.from(i.data, Number), [1, 1]),
      ]),
    );
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  for (let warm = 0; warm < 200; warm++) await session.run(feeds());
  const started = performance.now();
  while (performance.now() < end) {
    const t = performance.now();
    await session.run(feeds());
    latencies.push(performance.now() - t);
  }
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  await session.release();
  return {
    throughput: latencies.length / elapsed,
    p50: latencies[latencies.length >> 1],
    p99: latencies[Math.floor(latencies.length * 0.99)],
    errors: 0,
  };
}

/** (b) the peer baseline at concurrency 1 and 64. */
async function peerRows(
  model: string,
  body: unknown,
  record: (name: string, c: number, r: Result) => void,
): Promise<void> {
  const peerPort = await freePort();
  const peer = spawnNode('bench/predict/peer-server.ts', [
    join(work, 'model.onnx'),
    String(peerPort),
  ]);
  await waitFor(
    'peer server',
    () =>
      fetch(`http://127.0.0.1:${peerPort}/v2/models/x/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(
        (r) => r.ok,
        () => false,
      ),
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  for (const c of [1, 64])
    record(
      '(b) peer Fastify + onnxruntime',
      c,
      await load('rest', `http://127.0.0.1:${peerPort}`, model, c, undefined, {}, [
        { name: 'peer', child: peer },
      ]),
    );
}

/** `load 0.62, node 0.91`: who used the two cores. */
const cpuSplit = (cpu: Record<string, number>) =>
  Object.entries(cpu)
    .map(([name, cores]) => `${name} ${cores.toFixed(2)}`)
    .join(', ');

async function main() {
  mkdirSync(work, { recursive: true });
  const model = `bench_credit_${uniqueId()}`;
  const { onnx, body } = creditModel();
  writeFileSync(join(work, 'model.onnx'), onnx);
  writeFileSync(join(work, 'body.json'), JSON.stringify(body));
  const messaging = await connectNats({ url: natsUrl, name: 'bench-predict' });
  await provision(messaging.nc, messaging.jsm, CATALOGUE);
  const sha256 = createHash('sha256').update(onnx).digest('hex');
  const store = await new Objm(messaging.js).create('model-artifacts', {
    storage: 'file',
  } as never);
  await store.putBlob({ name: `sha256-${sha256}` }, onnx);
  const kv = await new Kvm(messaging.js).open('models');
  await kv.put(
    model,
    encodeBucketValue(ModelPointersValue, {
      production: 1,
      history: [],
      artifacts: { 1: sha256 },
      updatedAt: new Date().toISOString(),
    }),
  );

  const rows: Array<[string, number, Result]> = [];
  const record = (name: string, c: number, r: Result) => {
    rows.push([name, c, r]);
    say(
      `${name} c=${c}: ${Math.round(r.throughput)} req/s, p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms${r.errors ? `, ${r.errors} errors` : ''}${r.cpu ? `; CPU cores ${cpuSplit(r.cpu)}` : ''}`,
    );
  };
  try {
    if (runs('a')) record('(a) onnxruntime in-process', 1, await inProcess(onnx, body));
    if (runs('b')) await peerRows(model, body, record);
    const startNode = async (id: string, env: Record<string, string> = {}) => {
      const [http, grpc] = [await freePort(), await freePort()];
      const child = spawnNode('dist/apps/prediction/src/main.js', [], {
        NODE_ID: id,
        PREDICTION_HTTP_PORT: String(http),
        PREDICTION_GRPC_PORT: String(grpc),
        PREDICTION_MODELS: model,
        PREDICTION_SAMPLE_RATE: '0',
        ...env,
      });
      await waitForOk(`http://127.0.0.1:${http}/health/ready`); // ready: its model is loaded
      return { http: `http://127.0.0.1:${http}`, grpc: `127.0.0.1:${grpc}`, child };
    };
    const node = await startNode(`bench-node-${uniqueId()}`);
    const eachOwn = { BENCH_GRPC_CONNECTIONS: '64' };
    const alone = [{ name: 'node', child: node.child }];
    // The ratios of (d) are to the node's REST rows, so those run for either.
    if (runs('c') || runs('d'))
      for (const c of [1, 64])
        record(
          '(c) prediction node, REST',
          c,
          await load('rest', node.http, model, c, nodeToken, {}, alone),
        );
    if (runs('c')) {
      for (const c of [1, 64])
        record(
          '(c) node, REST, raw client',
          c,
          await load('rest-raw', node.http, model, c, nodeToken, {}, alone),
        );
      for (const c of [1, 64])
        record(
          '(c) prediction node, gRPC',
          c,
          await load('grpc', node.grpc, model, c, nodeToken, {}, alone),
        );
      for (const c of [1, 64])
        record(
          '(c) node, gRPC, lean client',
          c,
          await load('grpc-lean', node.grpc, model, c, nodeToken, {}, alone),
        );
      // As the REST rows do, each of the 64 clients on a connection of its own.
      record(
        '(c) node, gRPC, lean, 64 conns',
        64,
        await load('grpc-lean', node.grpc, model, 64, nodeToken, eachOwn, alone),
      );
    }

    if (!runs('d')) say('(d) not in BENCH_SETUPS');
    else if (existsSync(join(root, 'dist/apps/gateway/src/main.js'))) {
      const connection = await connectMongo({ url: `${mongoBase}/bench_predict` });
      const { key } = await new ApiKeyRepository(connection).create({
        name: 'bench',
        scopes: ['predict'],
        ratePerSecond: 1_000_000,
        burst: 1_000_000,
      });
      await connection.close();
      const [http, grpc] = [await freePort(), await freePort()];
      const gateway = spawnNode('dist/apps/gateway/src/main.js', [], {
        MONGO_URL: `${mongoBase}/bench_predict`,
        GATEWAY_HTTP_PORT: String(http),
        GATEWAY_GRPC_PORT: String(grpc),
      });
      const gatewayUrl = `http://127.0.0.1:${http}`;
      const routable = (count: number) =>
        waitFor(
          `the gateway routing to ${count} node(s)`,
          () =>
            fetch(`${gatewayUrl}/health/ready`).then(
              async (r) => ((await r.json()) as { routableNodes?: number }).routableNodes === count,
              () => false,
            ),
          { timeoutMs: 30_000, intervalMs: 100 },
        );
      await routable(1);
      const withOne = [
        { name: 'gateway', child: gateway },
        { name: 'nodes', child: node.child },
      ];
      for (const c of [1, 64])
        record(
          '(d) gateway + 1 node, REST',
          c,
          await load('rest', gatewayUrl, model, c, key, {}, withOne),
        );
      const second = await startNode(`bench-node-${uniqueId()}`);
      await routable(2);
      const withTwo = [...withOne, { name: 'nodes', child: second.child }];
      for (const c of [1, 64])
        record(
          '(d) gateway + 2 nodes, REST',
          c,
          await load('rest', gatewayUrl, model, c, key, {}, withTwo),
        );
      for (const c of [1, 64])
        record(
          '(d) gateway + 2 nodes, gRPC lean',
          c,
          await load('grpc-lean', `127.0.0.1:${grpc}`, model, c, key, {}, withTwo),
        );
      record(
        '(d) gw + 2, gRPC lean, 64 conns',
        64,
        await load('grpc-lean', `127.0.0.1:${grpc}`, model, 64, key, eachOwn, withTwo),
      );
    } else say('(d) skipped: there is no gateway build (dist/apps/gateway)');

    if (runs('e')) {
      // (e) the response cache: a workload where 80% of requests repeat one of 200, against the
      // node above (cache off) and a node with it on, side by side.
      const repeats = { BENCH_REPEAT: '0.8:200' };
      const cached = await startNode(`bench-node-${uniqueId()}`, {
        PREDICTION_CACHE_MODELS: model,
      });
      record(
        '(e) repeats, cache off',
        64,
        await load('rest', node.http, model, 64, nodeToken, repeats, alone),
      );
      record(
        '(e) repeats, cache on',
        64,
        await load('rest', cached.http, model, 64, nodeToken, repeats, [
          { name: 'node', child: cached.child },
        ]),
      );
      const metrics = await (await fetch(`${cached.http}/metrics`)).text();
      const lookups = (result: string) =>
        Number(
          new RegExp(`cache_lookups_total\\{model="${model}",result="${result}"\\} (\\d+)`).exec(
            metrics,
          )?.[1] ?? 0,
        );
      cacheHitRate = lookups('hit') / Math.max(1, lookups('hit') + lookups('miss'));
    }
  } finally {
    await stopChildren();
    await kv.delete(model);
    await messaging.drain();
  }

  const cacheOff = rows.find(([n]) => n === '(e) repeats, cache off')?.[2];
  const cacheOn = rows.find(([n]) => n === '(e) repeats, cache on')?.[2];
  const find = (name: string, c: number) =>
    rows.find(([n, cc]) => n.startsWith(name) && cc === c)?.[2];
  process.stdout.write(
    `\n${'setup'.padEnd(34)} ${'c'.padStart(3)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  CPU cores\n`,
  );
  for (const [name, c, r] of rows)
    process.stdout.write(
      `${name.padEnd(34)} ${String(c).padStart(3)} ${Math.round(r.throughput).toString().padStart(9)} ${r.p50.toFixed(3).padStart(8)} ${r.p99.toFixed(3).padStart(8)}  ${r.cpu ? cpuSplit(r.cpu) : ''}${r.errors ? `  (${r.errors} errors)` : ''}\n`,
    );
  const peer64 = find('(b)', 64);
  const node64 = find('(c) prediction node, REST', 64);
  const peer1 = find('(b)', 1);
  const node1 = find('(c) prediction node, REST', 1);
  const gateway1 = find('(d) gateway + 1 node, REST', 1);
  const gateway64 = find('(d) gateway + 1 node, REST', 64);
  const gatewayTwo1 = find('(d) gateway + 2 nodes, REST', 1);
  const gatewayTwo64 = find('(d) gateway + 2 nodes, REST', 64);
  const gatewayGrpc1 = find('(d) gateway + 2 nodes, gRPC lean', 1);
  const gatewayGrpc64 = find('(d) gateway + 2 nodes, gRPC lean', 64);
  const gatewayGrpcOwn = find('(d) gw + 2, gRPC lean, 64 conns', 64);
  const leanOwn = find('(c) node, gRPC, lean, 64 conns', 64);
  const grpc1 = find('(c) prediction node, gRPC', 1);
  const grpc64 = find('(c) prediction node, gRPC', 64);
  const lean1 = find('(c) node, gRPC, lean client', 1);
  const lean64 = find('(c) node, gRPC, lean client', 64);
  const raw1 = find('(c) node, REST, raw client', 1);
  const raw64 = find('(c) node, REST, raw client', 64);
  const verdict = (ok: boolean) => (ok ? 'met' : 'NOT met');
  if (peer64 && node64)
    process.stdout.write(
      `\nnode c=64 vs peer: ${(node64.throughput / peer64.throughput).toFixed(2)}x (target >= 1.5x: ${verdict(node64.throughput >= 1.5 * peer64.throughput)})\n`,
    );
  if (peer1 && node1)
    process.stdout.write(
      `node c=1 p50 - peer p50: ${(node1.p50 - peer1.p50).toFixed(3)} ms (target <= 0.5 ms: ${verdict(node1.p50 - peer1.p50 <= 0.5)})\n`,
    );
  if (cacheOff && cacheOn)
    process.stdout.write(
      `response cache on repeats (80% of 200): hit rate ${(cacheHitRate * 100).toFixed(1)}%, ${(cacheOn.throughput / cacheOff.throughput).toFixed(2)}x the throughput of cache off\n`,
    );
  if (gateway1 && node1)
    process.stdout.write(
      `gateway c=1 p50 - node p50: ${(gateway1.p50 - node1.p50).toFixed(3)} ms (target <= 0.5 ms: ${verdict(gateway1.p50 - node1.p50 <= 0.5)})\n`,
    );
  if (gateway64 && node64)
    process.stdout.write(
      `gateway + 1 node c=64 vs that node direct: ${(gateway64.throughput / node64.throughput).toFixed(2)}x (target >= 0.5x: ${verdict(gateway64.throughput >= 0.5 * node64.throughput)})\n`,
    );
  if (gatewayTwo64 && gateway64)
    process.stdout.write(
      `gateway + 2 nodes vs + 1 node c=64: ${(gatewayTwo64.throughput / gateway64.throughput).toFixed(2)}x (target >= 1x: ${verdict(gatewayTwo64.throughput >= gateway64.throughput)})\n`,
    );
  for (const [label, c, grpc, rest, against = 'REST'] of [
    ['gateway + 2 nodes gRPC (lean client, one connection)', 1, gatewayGrpc1, gatewayTwo1],
    ['gateway + 2 nodes gRPC (lean client, one connection)', 64, gatewayGrpc64, gatewayTwo64],
    ['gateway + 2 nodes gRPC (lean, a connection per client)', 64, gatewayGrpcOwn, gatewayTwo64],
    ['node gRPC (grpc-js client)', 1, grpc1, node1],
    ['node gRPC (grpc-js client)', 64, grpc64, node64],
    ['node gRPC (lean client)', 1, lean1, node1],
    ['node gRPC (lean client)', 64, lean64, node64],
    ['node gRPC (lean, a connection per client)', 64, leanOwn, node64],
    ['node gRPC (lean client)', 1, lean1, raw1, 'REST (raw client)'],
    ['node gRPC (lean client)', 64, lean64, raw64, 'REST (raw client)'],
  ] as const)
    if (grpc && rest)
      process.stdout.write(
        `${label} vs ${against} c=${c}: ${(grpc.throughput / rest.throughput).toFixed(2)}x (target >= 1x: ${verdict(grpc.throughput >= rest.throughput)})\n`,
      );
  process.exit(0);
}

/** SIGTERM to every process started, and their exits awaited (profiles are written on exit). */
function stopChildren(): Promise<unknown> {
  return Promise.all(
    children.map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    }),
  );
}

main().catch(async (error: Error) => {
  say(`failed: ${error.message}`);
  await stopChildren();
  process.exit(1);
});
