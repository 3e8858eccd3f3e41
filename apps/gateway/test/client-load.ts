import { Agent, request } from 'node:http';
import type { Tensor } from '@keelson/inference';
import { churnInputs, type GatewayFixture } from './gateway-fixture';

/** One answered request: when it was sent and answered (`performance.now()` milliseconds). */
export interface Sample {
  start: number;
  end: number;
}

const tensors = (seed: number): Tensor[] => [
  { name: 'tenure', datatype: 'FP64', shape: [1, 1], data: Float64Array.of(seed % 48) },
  { name: 'spend', datatype: 'FP64', shape: [1, 1], data: Float64Array.of(30) },
  { name: 'plan', datatype: 'BYTES', shape: [1, 1], data: ['team'] },
];

/**
 * One REST inference call over node:http with a keep-alive agent: a lighter client than fetch,
 * which matters here because the clients share this process (and its garbage collector) with the
 * gateway they measure.
 */
function restInfer(f: GatewayFixture, agent: Agent, body: string): Promise<void> {
  const url = new URL(f.gateway.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: `/v2/models/${f.model}/infer`,
        headers: {
          authorization: `Bearer ${f.key}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve()
            : reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks).toString()}`)),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * `clients` callers in a closed loop against the gateway, half over REST and half over gRPC (a
 * 10 s deadline each, the gateway's default), counting answers and failures and timing every
 * answer until stopped.
 */
export function clientLoad(f: GatewayFixture, clients: number) {
  const outcomes = { ok: 0, failed: [] as string[], samples: [] as Sample[] };
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  let running = true;
  const loops = Array.from({ length: clients }, async (_, c) => {
    const grpc = c % 2 === 1 ? f.grpc() : undefined;
    for (let i = 0; running; i++) {
      const start = performance.now();
      try {
        if (grpc) {
          await grpc.infer({
            model: f.model,
            inputs: tensors(i),
            deadlineMs: Date.now() + 10_000,
          });
        } else {
          await restInfer(f, agent, JSON.stringify({ inputs: churnInputs(1, i) }));
        }
        outcomes.samples.push({ start, end: performance.now() });
        outcomes.ok++;
      } catch (error) {
        outcomes.failed.push(`client ${c}: ${(error as Error).message}`);
        if (outcomes.failed.length >= 20) running = false; // enough to see what went wrong
        await new Promise((resolve) => setImmediate(resolve)); // a failing client must not spin
      }
    }
  });
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

/** Latencies (ms) of the answers sent at or after `from` and answered by `to`. */
export function latenciesWithin(samples: readonly Sample[], from: number, to: number): number[] {
  return samples.filter((s) => s.start >= from && s.end <= to).map((s) => s.end - s.start);
}

/** Latencies (ms) of the answers in flight at any moment of [from, to]. */
export function latenciesOverlapping(
  samples: readonly Sample[],
  from: number,
  to: number,
): number[] {
  return samples.filter((s) => s.end >= from && s.start <= to).map((s) => s.end - s.start);
}

/** Nearest-rank percentile of `values` (q in 0..1). */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
