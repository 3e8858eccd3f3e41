// `./keelson bench gateway-transport`: how the gateway should call prediction nodes, and what the
// gateway adds over calling a node directly. One real prediction node and one real gateway, each
// its own process; the client runs here. Every figure uses the gateway's own transport code.
//
//   direct    client -> node, over gRPC (grpc-js, one channel) and HTTP/1.1 keep-alive (node:http)
//   gateway   client -> gateway -> node, for each gateway-to-node transport
//
// Each at concurrency 1 and 64, one churn row per request (BENCH_ROWS to change), BENCH_SECONDS
// (3) per run after a warm-up. HTTP/2 on the node's REST port is not measured: nodes serve REST
// over Fastify's HTTP/1.1. NATS request-reply is not either: nodes do not subscribe for inference.
import { nodeCallHeaders } from '@keelson/config';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Kvm } from '@nats-io/kv';
import type { Tensor } from '@keelson/inference';
import { connectNats } from '@keelson/messaging';
import { ApiKeyRepository, connectMongo } from '@keelson/persistence';
import { publishTestModel, testInfra, uniqueId, waitFor } from '@keelson/testing';
import { GrpcNodeTransport } from '../apps/gateway/src/transport/grpc-node-transport';
import { HttpNodeTransport } from '../apps/gateway/src/transport/http-node-transport';
import type { NodeTransport } from '../apps/gateway/src/transport/node-transport';

const root = join(__dirname, '..');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROWS = Number(process.env.BENCH_ROWS ?? 1);
const CONCURRENCY = [1, 64];
const say = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** A service as its own process: compiled from dist/ when built (`./keelson bench` builds it). */
function startProcess(
  app: string,
  env: Record<string, string>,
): { child: ChildProcess; output: () => string } {
  const built = join(root, `dist/apps/${app}/src/main.js`);
  const args =
    existsSync(built) && !process.env.BENCH_FROM_SOURCE
      ? [built]
      : ['-r', '@swc-node/register', join(root, `apps/${app}/src/main.ts`)];
  // e.g. BENCH_GATEWAY_ARGS=--cpu-prof to profile the gateway.
  const extra =
    app === 'gateway' ? (process.env.BENCH_GATEWAY_ARGS ?? '').split(' ').filter(Boolean) : [];
  const child = spawn(process.execPath, [...extra, ...args], {
    cwd: root,
    env: {
      ...process.env,
      SWC_NODE_PROJECT: join(root, 'tsconfig.json'),
      KEELSON_TRACING: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  return { child, output: () => stdout };
}

function rows(count: number): Tensor[] {
  const index = Array.from({ length: count }, (_, i) => i);
  return [
    {
      name: 'tenure',
      datatype: 'FP64',
      shape: [count, 1],
      data: Float64Array.from(index, (i) => (i % 48) + 0.5),
    },
    {
      name: 'spend',
      datatype: 'FP64',
      shape: [count, 1],
      data: Float64Array.from(index, (i) => (i % 7) * 10),
    },
    {
      name: 'plan',
      datatype: 'BYTES',
      shape: [count, 1],
      data: index.map((i) => ['basic', 'pro', 'team'][i % 3]),
    },
  ];
}

interface Figures {
  requests: number;
  perSecond: number;
  p50: number;
  p90: number;
  p99: number;
}

/** `concurrency` callers in a closed loop for `seconds`; latency in milliseconds. */
async function measure(
  transport: NodeTransport,
  model: string,
  concurrency: number,
  seconds: number,
): Promise<Figures> {
  const inputs = rows(ROWS);
  const call = () => transport.infer({ model, inputs }, { deadlineMs: Date.now() + 10_000 });
  const warmUntil = performance.now() + 500;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < warmUntil) await call();
    }),
  );
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1_000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await call();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1_000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)];
  return {
    requests: latencies.length,
    perSecond: latencies.length / elapsed,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
  };
}

const clients = {
  grpc: (address: string, headers?: Record<string, string>) =>
    new GrpcNodeTransport(address, headers),
  http: (address: string, headers?: Record<string, string>) =>
    new HttpNodeTransport(address, headers),
};
type Protocol = keyof typeof clients;

async function main() {
  const id = uniqueId();
  const model = `bench_${id}`;
  const prefix = `bench${id}_`;
  const messaging = await connectNats({ url: testInfra.natsUrl, name: 'bench-gateway' });
  const mongoUrl = testInfra.mongoUrl.replace(/\/[^/]*$/, `/bench_gateway_${id}`);
  const connection = await connectMongo({ url: mongoUrl });
  const key = (
    await new ApiKeyRepository(connection).create({
      name: 'bench',
      scopes: ['predict'],
      ratePerSecond: 1e6,
      burst: 1e6,
    })
  ).key;
  const auth = { authorization: `Bearer ${key}` };
  await publishTestModel(messaging.js, model, { production: 1 });

  const processes: ChildProcess[] = [];
  const results: Array<{ path: string; client: Protocol; concurrency: number } & Figures> = [];
  try {
    const nodeId = `${prefix}node`;
    processes.push(
      startProcess('prediction', {
        NODE_ID: nodeId,
        PREDICTION_HTTP_PORT: '0',
        PREDICTION_GRPC_PORT: '0',
        PREDICTION_MODELS: model,
        PREDICTION_SAMPLE_RATE: '0',
        LOG_LEVEL: 'warn',
      }).child,
    );
    const nodes = await new Kvm(messaging.js).open('nodes');
    const addresses = await waitFor(
      'the prediction node to register',
      async () => {
        const entry = await nodes.get(nodeId);
        const value =
          entry?.operation === 'PUT'
            ? entry.json<{
                addresses: { http: string; grpc: string };
                models: Array<{ ready: boolean }>;
              }>()
            : undefined;
        return value?.models.every((m) => m.ready) && value.models.length > 0
          ? value.addresses
          : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    say(
      `node ${nodeId}: REST ${addresses.http}, gRPC ${addresses.grpc}; ${ROWS} row(s) per request, ${SECONDS} s per run`,
    );

    for (const client of ['grpc', 'http'] as const) {
      const transport = clients[client](
        client === 'grpc' ? addresses.grpc : addresses.http,
        nodeCallHeaders(process.env.KEELSON_NODE_TOKENS?.split(',') ?? []), // tools/bench/run.sh
      );
      for (const concurrency of CONCURRENCY) {
        const figures = await measure(transport, model, concurrency, SECONDS);
        results.push({ path: 'direct to node', client, concurrency, ...figures });
        say(
          `direct ${client} c=${concurrency}: p50 ${figures.p50.toFixed(3)} ms, ${figures.perSecond.toFixed(0)}/s`,
        );
      }
      transport.close();
    }

    for (const nodeTransport of ['grpc', 'http'] as const) {
      const gateway = startProcess('gateway', {
        NODE_ID: `${prefix}gateway_${nodeTransport}`,
        MONGO_URL: mongoUrl,
        GATEWAY_HTTP_PORT: '0',
        GATEWAY_GRPC_PORT: '0',
        GATEWAY_NODE_PREFIX: prefix,
        GATEWAY_NODE_TRANSPORT: nodeTransport,
        LOG_LEVEL: 'info',
      });
      processes.push(gateway.child);
      const ready = await waitFor(
        'the gateway to start',
        () => {
          const line = gateway
            .output()
            .split('\n')
            .find((l) => l.includes('"gateway ready"'));
          return line ? (JSON.parse(line) as { url: string; grpc: string }) : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 100 },
      );
      for (const client of ['grpc', 'http'] as const) {
        const transport = clients[client](client === 'grpc' ? ready.grpc : ready.url, auth);
        await waitFor('the gateway to route to the node', () =>
          transport
            .infer({ model, inputs: rows(1) }, { deadlineMs: Date.now() + 2_000 })
            .then(() => true),
        );
        for (const concurrency of CONCURRENCY) {
          const figures = await measure(transport, model, concurrency, SECONDS);
          results.push({
            path: `gateway, ${nodeTransport} to node`,
            client,
            concurrency,
            ...figures,
          });
          say(
            `gateway(${nodeTransport}) ${client} c=${concurrency}: p50 ${figures.p50.toFixed(3)} ms, ${figures.perSecond.toFixed(0)}/s`,
          );
        }
        transport.close();
      }
      gateway.child.kill('SIGTERM');
    }
  } finally {
    for (const child of processes) if (child.exitCode === null) child.kill('SIGTERM');
    await (await new Kvm(messaging.js).open('models')).purge(model).catch(() => undefined);
    await messaging.drain();
    await connection.dropDatabase();
    await connection.close();
  }

  const ms = (v: number) => v.toFixed(3).padStart(7);
  console.log('\n| path | client | concurrency | requests/s | p50 ms | p90 ms | p99 ms |');
  console.log('|---|---|---:|---:|---:|---:|---:|');
  for (const r of results)
    console.log(
      `| ${r.path} | ${r.client} | ${r.concurrency} | ${r.perSecond.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p90)} | ${ms(r.p99)} |`,
    );
  console.log('\nGateway overhead at p50 (same client protocol, minus direct):');
  for (const r of results.filter((x) => x.path.startsWith('gateway'))) {
    const direct = results.find(
      (d) =>
        d.path === 'direct to node' && d.client === r.client && d.concurrency === r.concurrency,
    )!;
    console.log(
      `  ${r.path}, ${r.client} client, c=${r.concurrency}: +${(r.p50 - direct.p50).toFixed(3)} ms`,
    );
  }
  process.exit(0);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
