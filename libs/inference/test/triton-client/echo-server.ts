/**
 * A small Open Inference Protocol server for conformance tests: the REST /v2 listener and
 * the gRPC service, both over one echo "model" (each output is the input of the same name).
 *
 *   node -r @swc-node/register libs/inference/test/triton-client/echo-server.ts
 *     ECHO_HOST (127.0.0.1), ECHO_REST_PORT (0: any free), ECHO_GRPC_PORT (0)
 *
 * Prints one JSON line `{"rest": "host:port", "grpc": "host:port"}` once both listen.
 *
 * Models: `echo` (versions 1 and 2); `slow`, an echo that first waits `sleep_ms` (a request
 * parameter, at most 10 s, and never past the deadline) to exercise deadlines; `busy`, which
 * always answers RESOURCE_EXHAUSTED. Any other name is NOT_FOUND.
 */
import { createServer } from 'node:http';
import { startInferenceGrpcServer } from '../../src/grpc/inference-grpc.server';
import { InferenceError } from '../../src/protocol/errors';
import type {
  InferenceHandler,
  InferRequest,
  InferResponse,
  ModelMetadata,
} from '../../src/protocol/inference-handler';
import { inferenceRequestListener } from '../../src/rest/inference-listener';

const MODELS = ['echo', 'slow', 'busy'];
const VERSIONS = ['1', '2'];

function checkModel(name: string, version?: string): void {
  if (!MODELS.includes(name)) throw new InferenceError('NOT_FOUND', `unknown model '${name}'`);
  if (version !== undefined && !VERSIONS.includes(version)) {
    throw new InferenceError('NOT_FOUND', `model '${name}' has no version '${version}'`);
  }
}

export interface EchoHandler extends InferenceHandler {
  /** Requests seen by infer, newest last (tests read the deadline and parameters there). */
  readonly requests: InferRequest[];
}

export function createEchoHandler(): EchoHandler {
  const requests: InferRequest[] = [];
  return {
    requests,
    serverLive: () => true,
    serverReady: () => true,
    modelReady: (name, version) =>
      MODELS.includes(name) && (version === undefined || VERSIONS.includes(version)),
    serverMetadata: () => ({ name: 'keelson-echo', version: '0.1.0', extensions: [] }),
    modelMetadata: (name, version): ModelMetadata => {
      checkModel(name, version);
      return {
        name,
        versions: VERSIONS,
        inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 4] }],
        outputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 4] }],
      };
    },
    async infer(request): Promise<InferResponse> {
      requests.push(request);
      checkModel(request.model, request.version);
      if (request.model === 'busy') {
        throw new InferenceError('RESOURCE_EXHAUSTED', `model 'busy' has no free worker`);
      }
      if (request.model === 'slow') {
        // A real node gives up at the caller's deadline rather than compute an unwanted answer.
        const sleepMs = Math.min(Number(request.parameters?.sleep_ms ?? 0), 10_000);
        const untilDeadline = (request.deadlineMs ?? Infinity) - Date.now();
        await new Promise((resolve) =>
          setTimeout(resolve, Math.max(0, Math.min(sleepMs, untilDeadline))),
        );
        if (untilDeadline < sleepMs) {
          throw new InferenceError('DEADLINE_EXCEEDED', `model 'slow' needed ${sleepMs} ms`);
        }
      }
      return {
        model: request.model,
        version: request.version ?? VERSIONS[VERSIONS.length - 1],
        outputs: request.inputs,
        ...(request.parameters && { parameters: request.parameters }),
      };
    },
  };
}

export interface EchoServer {
  handler: EchoHandler;
  /** `host:port`, as tritonclient.http takes it (prefix `http://` for fetch). */
  rest: string;
  grpc: string;
  close(): Promise<void>;
}

export async function startEchoServer(
  options: { host?: string; restPort?: number; grpcPort?: number } = {},
): Promise<EchoServer> {
  const host = options.host ?? '127.0.0.1';
  const handler = createEchoHandler();
  // The REST listener the prediction node and the gateway serve with: the conformance tests
  // exercise it as shipped.
  const server = createServer(
    inferenceRequestListener(handler, { bodyLimit: 64 * 1024 * 1024 }, (request, response) =>
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: `no route ${request.method} ${request.url}` })),
    ),
  );
  await new Promise<void>((resolve) => server.listen(options.restPort ?? 0, host, resolve));
  const address = server.address();
  const restPort = typeof address === 'object' && address ? address.port : 0;
  const grpc = await startInferenceGrpcServer(handler, `${host}:${options.grpcPort ?? 0}`);
  return {
    handler,
    rest: `${host}:${restPort}`,
    grpc: `${host}:${grpc.port}`,
    async close() {
      server.closeAllConnections();
      await Promise.all([new Promise((resolve) => server.close(resolve)), grpc.shutdown()]);
    },
  };
}

if (require.main === module) {
  startEchoServer({
    host: process.env.ECHO_HOST,
    restPort: Number(process.env.ECHO_REST_PORT ?? 0),
    grpcPort: Number(process.env.ECHO_GRPC_PORT ?? 0),
  }).then(
    (server) => {
      process.stdout.write(`${JSON.stringify({ rest: server.rest, grpc: server.grpc })}\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (error: unknown) => {
      process.stderr.write(`echo server failed to start: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
