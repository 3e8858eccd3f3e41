// Closed-loop load from its own process: `concurrency` clients each send the next request as soon
// as the last one is answered, for `seconds`, after a warm-up. Prints one JSON line:
// { requests, errors, seconds, throughput, p50, p99, cores } (latencies in ms; cores: this
// process's CPU time over the measured window per second of it), after a `measuring` and a
// `measured` line that mark the window, so the caller can count the services' CPU over it too. KEELSON_API_KEY, when set,
// goes as a bearer token (a gateway's API key, or a node's token).
// `rest-raw` writes the same body over raw keep-alive sockets, with no HTTP client at all.
// `grpc` calls through the @keelson/inference client (grpc-js), as an application would;
// `grpc-lean` sends the same ModelInfer message, encoded once, over Keelson's own HTTP/2 client,
// as `rest` sends one pre-encoded JSON body over node:http: the server's cost, not grpc-js's.
//   node -r @swc-node/register bench/predict/load.ts <rest|rest-raw|grpc|grpc-lean> <target> <model> <concurrency> <seconds> <body.json>
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect as connectTcp, type Socket } from 'node:net';
import {
  createInferenceGrpcClient,
  inferenceServiceDefinition,
  INFERENCE_SERVICE_NAME,
  modelInferRequestMessage,
  parseInferRequest,
  UnaryGrpcClient,
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

/**
 * HTTP/1.1 with as little client as there can be: each of the `concurrency` clients keeps one
 * socket, writes a request it built once, and reads the answer by its Content-Length (as wrk
 * does), so the REST rows can be read without node:http's own cost on this side.
 */
function rawRestCaller(): () => Promise<void> {
  const url = new URL(`${target}/v2/models/${model}/infer`);
  const key = process.env.KEELSON_API_KEY;
  const bytes = Buffer.from(body);
  const head =
    `POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\ncontent-type: application/json\r\n` +
    `content-length: ${bytes.length}\r\n${key ? `authorization: Bearer ${key}\r\n` : ''}\r\n`;
  const request = Buffer.concat([Buffer.from(head, 'latin1'), bytes]);
  const idle: RawConnection[] = [];
  return () => {
    const connection = idle.pop() ?? new RawConnection(url);
    return connection.exchange(request).then(() => void idle.push(connection));
  };
}

/** One keep-alive socket answering one request at a time. */
class RawConnection {
  private readonly socket: Socket;
  private input: Buffer = Buffer.alloc(0);
  private waiting?: { resolve: () => void; reject: (error: Error) => void };

  constructor(url: URL) {
    this.socket = connectTcp(Number(url.port), url.hostname);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (error) => this.waiting?.reject(error));
  }

  exchange(request: Buffer): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  private read(chunk: Buffer): void {
    this.input = this.input.length ? Buffer.concat([this.input, chunk]) : chunk;
    const headEnd = this.input.indexOf('\r\n\r\n');
    if (headEnd < 0) return;
    const head = this.input.toString('latin1', 0, headEnd);
    const length = /\r\ncontent-length: *(\d+)/i.exec(head);
    if (!length) return this.waiting?.reject(new Error(`no content-length: ${head}`));
    const end = headEnd + 4 + Number(length[1]);
    if (this.input.length < end) return;
    this.input = this.input.subarray(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    if (head.startsWith('HTTP/1.1 200')) waiting?.resolve();
    else waiting?.reject(new Error(head.slice(0, 12)));
  }
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
 * ModelInfer, encoded once, over Keelson's own HTTP/2 client (UnaryGrpcClient, the gateway's
 * transport to its nodes): the same frames any gRPC client sends, at the least CPU a call this
 * side, so the 2 cores go to the server under test. The calls share BENCH_GRPC_CONNECTIONS
 * connections (default 1: every call multiplexed on one), taken in turn.
 */
function leanGrpcCaller(): () => Promise<void> {
  const key = process.env.KEELSON_API_KEY;
  const clients = Array.from(
    { length: Number(process.env.BENCH_GRPC_CONNECTIONS ?? 1) },
    () => new UnaryGrpcClient(`http://${target}`, 64 << 20),
  );
  let turn = 0;
  const parsed = parseInferRequest(JSON.parse(body));
  const message = inferenceServiceDefinition().ModelInfer.requestSerialize(
    modelInferRequestMessage({ model, ...parsed }, true),
  );
  const path = `/${INFERENCE_SERVICE_NAME}/ModelInfer`;
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  return () =>
    clients[turn++ % clients.length]
      .call(path, message, { deadlineMs: Date.now() + 30_000, headers })
      .then(() => undefined);
}

async function main() {
  const callers: Record<string, () => () => Promise<void>> = {
    rest: restCaller,
    'rest-raw': rawRestCaller,
    grpc: grpcCaller,
    'grpc-lean': leanGrpcCaller,
  };
  const call = callers[protocol]();
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
