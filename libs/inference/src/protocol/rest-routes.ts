/**
 * The protocol's REST routes over an InferenceHandler, free of any HTTP framework: a front end
 * (Fastify, Nest) hands over method, path and body and writes back the status and JSON body, so
 * every Keelson REST front end answers alike.
 *
 *   GET  /v2                                           server metadata
 *   GET  /v2/health/live, /v2/health/ready             200 true, 400 false (the spec's 4xx)
 *   GET  /v2/models/{m}[/versions/{v}]                 model metadata
 *   GET  /v2/models/{m}[/versions/{v}]/ready           200 true, 400 false
 *   POST /v2/models/{m}[/versions/{v}]/infer           inference: JSON, or with
 *                                                      Content-Type application/x-protobuf a
 *                                                      ModelInferRequest (a Keelson extension)
 */
import { errorResponseJson, invalid } from './errors';
import {
  selectOutputs,
  type InferenceHandler,
  type InferResponse,
  type RestInferCall,
} from './inference-handler';
import {
  inferResponseJson,
  modelMetadataJson,
  parseInferRequest,
  serverMetadataJson,
  type InferResponseJson,
  type ParsedInferRequest,
} from './json-codec';
import { inferProto, isProtobufMediaType, PROTOBUF_MEDIA_TYPE } from './proto-infer';

export interface RestResult {
  status: number;
  /** JSON body; none for health answers, as the spec asks. */
  body?: unknown;
  /** A body already encoded (an inference answer); `body` is then unused. */
  encoded?: Uint8Array | string;
  /** The encoded body's media type when it is not JSON (a protobuf ModelInferResponse). */
  contentType?: string;
  /** With a 405: the methods the route answers (HTTP's `Allow`). */
  allow?: string;
}

export interface RestRequest {
  method: string;
  /** The request path; a query string is ignored. */
  path: string;
  /**
   * The body: already parsed JSON, or its raw text or bytes (Triton's clients send no
   * Content-Type, so a front end may receive it unparsed).
   */
  body?: unknown;
  /** The request's Content-Type header, if it sent one. */
  contentType?: string;
  /** When the caller stops waiting, in `Date.now()` milliseconds. */
  deadlineMs?: number;
}

type Route =
  | { kind: 'server-metadata' | 'live' | 'ready' }
  | { kind: 'model-metadata' | 'model-ready' | 'infer'; model: string; version?: string };

/** The route a path names, or undefined when it is not one of the protocol's. */
export function matchRestRoute(path: string): Route | undefined {
  const parts = path.split('?')[0].split('/').filter(Boolean);
  if (parts[0] !== 'v2') return undefined;
  if (parts.length === 1) return { kind: 'server-metadata' };
  if (parts[1] === 'health' && parts.length === 3) {
    if (parts[2] === 'live') return { kind: 'live' };
    if (parts[2] === 'ready') return { kind: 'ready' };
    return undefined;
  }
  if (parts[1] !== 'models' || parts.length < 3) return undefined;
  let model: string;
  let version: string | undefined;
  try {
    model = decodeURIComponent(parts[2]);
    version =
      parts[3] === 'versions' && parts.length >= 5 ? decodeURIComponent(parts[4]) : undefined;
  } catch {
    return undefined;
  }
  const rest = parts.slice(version === undefined ? 3 : 5);
  const at = version === undefined ? { model } : { model, version };
  if (rest.length === 0) return { kind: 'model-metadata', ...at };
  if (rest.length === 1 && rest[0] === 'ready') return { kind: 'model-ready', ...at };
  if (rest.length === 1 && rest[0] === 'infer') return { kind: 'infer', ...at };
  return undefined;
}

const health = (ok: boolean): RestResult => ({ status: ok ? 200 : 400 });

const NON_FINITE_TOKENS = ['-Infinity', 'Infinity', 'NaN'];

/**
 * Python's json module (and so tritonclient) writes NaN, Infinity and -Infinity bare, which is not
 * JSON; quoted, they are the strings the codec reads as those values. Only tried when JSON.parse
 * has already failed, so well-formed bodies pay nothing.
 */
function quoteNonFinite(text: string): string {
  let out = '';
  let copied = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') {
      inString = true;
      continue;
    }
    const token = NON_FINITE_TOKENS.find((t) => text.startsWith(t, i));
    if (token) {
      out += `${text.slice(copied, i)}"${token}"`;
      i += token.length - 1;
      copied = i + 1;
    }
  }
  return out + text.slice(copied);
}

/**
 * A REST inference request body (parsed JSON, or its raw text or bytes) decoded; invalid ones
 * are INVALID_ARGUMENT naming the problem.
 */
export const decodeRestInferBody = (body: unknown) => parseInferRequest(jsonBody(body));

/** The REST response to `request`: the outputs it asked for, its id echoed. */
export function restInferResponse(
  request: ParsedInferRequest,
  response: InferResponse,
): InferResponseJson {
  return inferResponseJson(
    response.model,
    response.version,
    request.id,
    selectOutputs(response.outputs, request.outputs),
    response.parameters,
  );
}

/**
 * A REST inference call answered with its response body's JSON: relayed undecoded when the
 * handler relays (`inferRestBody`) and the body is still bytes, decoded, inferred and encoded
 * otherwise. What both the REST routes and the gRPC relay method (grpc/rest-relay.ts) run.
 */
export async function inferRest(
  handler: InferenceHandler,
  at: Omit<RestInferCall, 'body'>,
  body: unknown,
): Promise<Uint8Array | string> {
  if (handler.inferRestBody && body instanceof Uint8Array)
    return handler.inferRestBody({ ...at, body });
  const parsed = decodeRestInferBody(body);
  return JSON.stringify(restInferResponse(parsed, await handler.infer({ ...parsed, ...at })));
}

/**
 * How a body that is not JSON is refused. Exported because it is also how a node older than the
 * protobuf route refuses a protobuf body, which the gateway's HTTP transport recognises.
 */
export const NOT_JSON_MESSAGE = 'the request body is not valid JSON';

function jsonBody(body: unknown): unknown {
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) return body;
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    try {
      return JSON.parse(quoteNonFinite(text));
    } catch {
      throw invalid(`${NOT_JSON_MESSAGE}: ${(error as Error).message}`);
    }
  }
}

/**
 * Answers one REST request, or returns undefined when the path is not a protocol route (the
 * front end's 404). Failures come back as the spec's `{"error": message}` with their status.
 */
export async function handleRestRequest(
  handler: InferenceHandler,
  request: RestRequest,
): Promise<RestResult | undefined> {
  const route = matchRestRoute(request.path);
  if (!route) return undefined;
  const method = request.method.toUpperCase();
  const expected = route.kind === 'infer' ? 'POST' : 'GET';
  if (method !== expected && !(expected === 'GET' && method === 'HEAD')) {
    return {
      status: 405,
      body: { error: `${request.path} accepts ${expected} only` },
      allow: expected === 'GET' ? 'GET, HEAD' : 'POST',
    };
  }
  try {
    switch (route.kind) {
      case 'server-metadata':
        return { status: 200, body: serverMetadataJson(await handler.serverMetadata()) };
      case 'live':
        return health(await handler.serverLive());
      case 'ready':
        return health(await handler.serverReady());
      case 'model-ready':
        return health(await handler.modelReady(route.model, route.version));
      case 'model-metadata':
        return {
          status: 200,
          body: modelMetadataJson(await handler.modelMetadata(route.model, route.version)),
        };
      case 'infer': {
        const at = {
          model: route.model,
          ...(route.version !== undefined && { version: route.version }),
          ...(request.deadlineMs !== undefined && { deadlineMs: request.deadlineMs }),
        };
        if (isProtobufMediaType(request.contentType)) {
          if (!(request.body instanceof Uint8Array))
            throw invalid('a protobuf request body must come as bytes');
          const encoded = await inferProto(handler, at, request.body);
          return { status: 200, encoded, contentType: PROTOBUF_MEDIA_TYPE };
        }
        return { status: 200, encoded: await inferRest(handler, at, request.body) };
      }
    }
  } catch (error) {
    return errorResponseJson(error);
  }
}
