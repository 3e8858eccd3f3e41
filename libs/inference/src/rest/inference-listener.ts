import type {
  IncomingHttpHeaders,
  IncomingMessage,
  RequestListener,
  ServerResponse,
} from 'node:http';
import { errorResponseJson } from '../protocol/errors';
import type { InferenceHandler } from '../protocol/inference-handler';
import { handleRestRequest, type RestResult } from '../protocol/rest-routes';

/**
 * How long the caller will wait, in milliseconds, counted from when the request arrives. The
 * protocol defines no deadline for REST; the gateway sends the time its attempt has left so a node
 * drops work nobody waits for (gRPC carries the same as `grpc-timeout`).
 */
export const TIMEOUT_HEADER = 'x-keelson-timeout-ms';

export interface InferenceListenerOptions {
  /** Largest body accepted; a larger one is answered 413 without being read. */
  bodyLimit: number;
  /**
   * Runs first on every call except the health probes. What it throws is the answer (an
   * InferenceError's status, e.g. UNAUTHENTICATED → 401; `retryAfterSeconds` → Retry-After).
   */
  authorize?: (headers: IncomingHttpHeaders) => Promise<void> | void;
  /**
   * Runs after `authorize` and before the body is read. What it throws is the answer: a server at
   * capacity refuses at once, without reading and parsing a body it could not serve.
   */
  admit?: (path: string) => void;
}

/**
 * Serves the protocol's REST endpoints (`/v2/...`, see protocol/rest-routes.ts) straight from
 * node:http and hands every other path to `fallback` (the service's Nest/Fastify app).
 *
 * Why not a Fastify route: on a node at full load the data plane is a few small JSON requests per
 * millisecond, and Fastify's routing, hooks and Nest's middleware layer (`@fastify/middie`) cost
 * more main-thread time per request than the protocol work itself; the main thread is the one that
 * feeds the inference workers (docs/benchmarks.md, bench predict). Bodies are taken as raw bytes
 * whatever their Content-Type (Triton's clients send none) and parsed by the protocol code.
 */
export function inferenceRequestListener(
  handler: InferenceHandler,
  options: InferenceListenerOptions,
  fallback: RequestListener,
): RequestListener {
  return (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    if (path !== '/v2' && !path.startsWith('/v2/')) return fallback(req, res);
    void serve(handler, options, req, res, path);
  };
}

async function serve(
  handler: InferenceHandler,
  options: InferenceListenerOptions,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const arrived = Date.now();
  try {
    if (!path.startsWith('/v2/health/')) await options.authorize?.(req.headers);
    if (req.method === 'POST') options.admit?.(path);
    const body = req.method === 'POST' ? await readBody(req, res, options.bodyLimit) : undefined;
    if (body === undefined && req.method === 'POST') return; // refused or the client went away
    const timeout = Number(req.headers[TIMEOUT_HEADER]);
    const result = await handleRestRequest(handler, {
      method: req.method ?? 'GET',
      path,
      body,
      contentType: req.headers['content-type'],
      ...(timeout > 0 && Number.isFinite(timeout) && { deadlineMs: arrived + timeout }),
    });
    reply(res, req.method, result ?? { status: 404, body: { error: `no such endpoint: ${path}` } });
  } catch (error) {
    const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
    if (retryAfter) res.setHeader('retry-after', String(retryAfter));
    reply(res, req.method, errorResponseJson(error));
  }
}

/**
 * The body's bytes, or undefined once the request has been answered (413) or abandoned. An
 * announced Content-Length over the limit is refused before any of it is read.
 */
function readBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const tooLarge = () => {
      reply(res, req.method, {
        status: 413,
        body: { error: `the request body is larger than the limit of ${limit} bytes` },
      });
      resolve(undefined);
    };
    if (Number(req.headers['content-length']) > limit) return tooLarge();
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      req.off('data', onData);
      req.resume(); // discard the rest, so the connection can carry the next request
      tooLarge();
    };
    req.on('data', onData);
    req.on('end', () => {
      if (size <= limit) resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
    });
    req.on('error', () => resolve(undefined));
    req.on('aborted', () => resolve(undefined));
  });
}

function reply(res: ServerResponse, method: string | undefined, result: RestResult): void {
  if (res.headersSent || res.destroyed) return;
  const allow = result.allow !== undefined ? { allow: result.allow } : {};
  if (result.body === undefined && result.encoded === undefined) {
    res.writeHead(result.status, { 'content-length': 0, ...allow }).end();
    return;
  }
  const json = result.encoded ?? JSON.stringify(result.body);
  res.writeHead(result.status, {
    'content-type': result.contentType ?? 'application/json; charset=utf-8',
    'content-length': typeof json === 'string' ? Buffer.byteLength(json) : json.byteLength,
    ...allow,
  });
  res.end(method === 'HEAD' ? undefined : json);
}
