// Closed-loop load from its own process: `concurrency` clients each send the next request as soon
// as the last one is answered, for `seconds`, after a warm-up. Prints one JSON line:
// { requests, errors, seconds, throughput, p50, p99, cores } (latencies in ms; cores: this
// process's CPU time over the measured window per second of it), after a `measuring` and a
// `measured` line that mark the window, so the caller can count the services' CPU over it too. KEELSON_API_KEY, when set,
// goes as a bearer token (a gateway's API key, or a node's token).
// `grpc` calls through the @keelson/inference client (grpc-js), as an application would;
// `grpc-lean` sends the same ModelInfer message, encoded once, over one raw node:http2 session,
// as `rest` sends one pre-encoded JSON body over node:http: the server's cost, not grpc-js's.
//   node -r @swc-node/register bench/predict/load.ts <rest|grpc|grpc-lean> <target> <model> <concurrency> <seconds> <body.json>
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect, constants } from 'node:http2';
import {
  createInferenceGrpcClient,
  inferenceServiceDefinition,
  INFERENCE_SERVICE_NAME,
  modelInferRequestMessage,
  parseInferRequest,
  type InferRequest,
} from '@keelson/inference';

const [protocol, target, model, concurrencyArg, secondsArg, bodyFile] = process.argv.slice(2);
const concurrency = Number(concurrencyArg);
const seconds = Number(secondsArg);
const body = readFileSync(bodyFile, 'utf8');

/**
 * BENCH_REPEAT="<share>:<hot>" (e.g. 0.8:200): a workload with repeats, for the response cache.
 * Each request is one of `hot` fixed requests with probability `share`, else one never sent
 * before (its first number input set to a fresh value). Without it, every request is `body`.
 */
function bodies(): () => Buffer {
  const fixed = Buffer.from(body);
  const repeat = process.env.BENCH_REPEAT?.split(':').map(Number);
  if (!repeat) return () => fixed;
  const [share, hot] = repeat;
  const template = JSON.parse(body) as { inputs: Array<{ datatype: string; data: unknown[] }> };
  const at = template.inputs.findIndex((i) => i.datatype !== 'BYTES');
  const variant = (value: number) => {
    template.inputs[at].data[0] = value;
    return Buffer.from(JSON.stringify(template));
  };
  const hotBodies = Array.from({ length: hot }, (_, i) => variant(1_000 + i));
  let fresh = 1_000_000;
  return () =>
    Math.random() < share ? hotBodies[Math.floor(Math.random() * hot)] : variant(fresh++ + 0.5);
}

function restCaller(): () => Promise<void> {
  const url = new URL(`${target}/v2/models/${model}/infer`);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const next = bodies();
  return () =>
    new Promise<void>((resolve, reject) => {
      const bytes = next();
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': bytes.length,
            ...(process.env.KEELSON_API_KEY
              ? { authorization: `Bearer ${process.env.KEELSON_API_KEY}` }
              : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        },
      );
      req.on('error', reject);
      req.end(bytes);
    });
}

function grpcCaller(): () => Promise<void> {
  const key = process.env.KEELSON_API_KEY;
  const client = createInferenceGrpcClient(target, {
    metadata: key ? { authorization: `Bearer ${key}` } : {},
  });
  const parsed = parseInferRequest(JSON.parse(body));
  const inferRequest: InferRequest = { model, ...parsed };
  return () => client.infer(inferRequest, { raw: true }).then(() => undefined);
}

/**
 * ModelInfer as gRPC frames over HTTP/2: headers, one length-prefixed message, trailers. The calls
 * share BENCH_GRPC_CONNECTIONS sessions (default 1: every call multiplexed on one connection),
 * taken in turn.
 */
function leanGrpcCaller(): () => Promise<void> {
  const key = process.env.KEELSON_API_KEY;
  const sessions = Array.from({ length: Number(process.env.BENCH_GRPC_CONNECTIONS ?? 1) }, () =>
    connect(`http://${target}`),
  );
  let turn = 0;
  const parsed = parseInferRequest(JSON.parse(body));
  const message = inferenceServiceDefinition().ModelInfer.requestSerialize(
    modelInferRequestMessage({ model, ...parsed }, true),
  );
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1); // byte 0: not compressed
  message.copy(frame, 5);
  const headers = {
    [constants.HTTP2_HEADER_METHOD]: 'POST',
    [constants.HTTP2_HEADER_PATH]: `/${INFERENCE_SERVICE_NAME}/ModelInfer`,
    'content-type': 'application/grpc',
    te: 'trailers',
    ...(key ? { authorization: `Bearer ${key}` } : {}),
  };
  return () =>
    new Promise<void>((resolve, reject) => {
      const stream = sessions[turn++ % sessions.length].request(headers);
      let status: string | undefined;
      stream.on('trailers', (trailers) => (status = String(trailers['grpc-status'])));
      stream.on('response', (h) => {
        if (h['grpc-status'] !== undefined) status = String(h['grpc-status']); // trailers-only
      });
      stream.on('data', () => undefined);
      stream.on('end', () =>
        status === '0' ? resolve() : reject(new Error(`grpc-status ${status}`)),
      );
      stream.on('error', reject);
      stream.end(frame);
    });
}

async function main() {
  const call =
    protocol === 'grpc' ? grpcCaller() : protocol === 'grpc-lean' ? leanGrpcCaller() : restCaller();
  const latencies: number[] = [];
  let errors = 0;
  let measuring = false;
  let stop = false;
  const warmUpUntil = performance.now() + 1_000;
  const clients = Array.from({ length: concurrency }, async () => {
    while (!stop) {
      const started = performance.now();
      try {
        await call();
        if (measuring) latencies.push(performance.now() - started);
      } catch {
        if (measuring) errors++;
      }
      if (!measuring && performance.now() > warmUpUntil) measuring = true;
    }
  });
  while (!measuring) await new Promise((resolve) => setTimeout(resolve, 50));
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  process.stdout.write('measuring\n');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  stop = true;
  const elapsed = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  process.stdout.write('measured\n');
  const cores = (cpu.user + cpu.system) / 1e6 / elapsed;
  await Promise.all(clients);
  latencies.sort((a, b) => a - b);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  process.stdout.write(
    `${JSON.stringify({ requests: latencies.length, errors, seconds: elapsed, throughput: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), cores })}\n`,
  );
  process.exit(0);
}

void main();
