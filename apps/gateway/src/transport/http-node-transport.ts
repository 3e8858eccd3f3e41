import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Pool, type Dispatcher } from 'undici';
import {
  InferenceError,
  inferProto,
  NOT_JSON_MESSAGE,
  parseInferRequest,
  PROTOBUF_MEDIA_TYPE,
  tensorJson,
  TIMEOUT_HEADER,
  type InferenceErrorCode,
  type InferRequest,
  type InferResponse,
  type InferResponseJson,
  type ModelMetadata,
} from '@keelson/inference';
import {
  CallCancelled,
  NodeUnreachable,
  type CallLimits,
  type NodeTransport,
  type RelayedInfer,
} from './node-transport';

const JSON_MEDIA_TYPE = 'application/json';

const CODE_BY_STATUS: Record<number, InferenceErrorCode> = {
  400: 'INVALID_ARGUMENT',
  404: 'NOT_FOUND',
  // A body over the node's own limit: the client's request is too large to serve.
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

interface HttpAnswer {
  status: number;
  body: Buffer;
}

/** Spans of the calls to nodes, as the client spans of an HTTP instrumentation would be. */
const tracer = trace.getTracer('keelson-gateway-http-transport');

/**
 * The node's REST port over HTTP/1.1 keep-alive connections, with undici's `Pool` at its lowest
 * level (`dispatch`, callbacks, no streams): per call it costs the gateway less than `node:http`'s
 * client, whose request and response objects, agent and streams, with their writes, were about a
 * third of the gateway's busy time. The default until gRPC on Keelson's own HTTP/2 measured as
 * fast or faster (docs/gateway.md). Inference calls are relayed as bytes
 * both ways: REST bodies as JSON, gRPC clients' ModelInfer messages as protobuf. The attempt's
 * remaining time travels in `TIMEOUT_HEADER`, so the node drops work the gateway has stopped
 * waiting for; the gateway also abandons the call at that deadline, which closes its connection.
 */
export class HttpNodeTransport implements NodeTransport {
  private readonly pool: Pool;
  private readonly base: URL;
  /** Whether the node takes protobuf inference bodies; false once it read one as JSON. */
  private relaysProtobuf = true;
  /** Consecutive requests that could not reach the node. */
  private unreachableRun = 0;

  /** `headers`: sent with every request (the node token: `nodeCallHeaders` in @keelson/config). */
  constructor(
    readonly address: string,
    private readonly headers: Record<string, string> = {},
  ) {
    this.base = new URL(address);
    // An https:// node serves TLS; its issuer is trusted through the system's store or
    // NODE_EXTRA_CA_CERTS, as every Node client does. Idle connections close after 30 s, well
    // before the node's keep-alive timeout (72 s), so none is written to as the node closes it.
    this.pool = new Pool(this.base.origin, {
      connections: 256,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 30_000,
    });
  }

  async infer(request: InferRequest, limits: CallLimits): Promise<InferResponse> {
    const body = JSON.stringify({
      ...(request.id !== undefined && { id: request.id }),
      ...(request.parameters && { parameters: request.parameters }),
      inputs: request.inputs.map(tensorJson),
      ...(request.outputs && { outputs: request.outputs }),
    });
    const answer = await this.send(
      'POST',
      `${modelPath(request.model, request.version)}/infer`,
      body,
      limits,
    );
    const json = this.json<InferResponseJson>(answer);
    // A response output has the shape of a request input, so the request codec checks it.
    const { inputs: outputs } = parseInferRequest({ inputs: json.outputs });
    return {
      model: json.model_name,
      ...(json.model_version !== undefined && { version: json.model_version }),
      ...(json.id !== undefined && { id: json.id }),
      ...(json.parameters && { parameters: json.parameters }),
      outputs,
    };
  }

  /** The client's bytes to the node, the node's bytes back: nothing decoded on the way. */
  async inferRestBody(call: RelayedInfer, limits: CallLimits) {
    return this.relay(call, JSON_MEDIA_TYPE, limits);
  }

  /**
   * A gRPC client's ModelInferRequest, to the node's REST port as protobuf (rest-routes.ts). A
   * node older than that route reads the bytes as JSON and refuses them; from then on its calls
   * are decoded here and sent as JSON tensors, as before the relay.
   */
  async inferProtoBody(call: RelayedInfer, limits: CallLimits) {
    if (this.relaysProtobuf) {
      try {
        return await this.relay(call, PROTOBUF_MEDIA_TYPE, limits);
      } catch (error) {
        const readAsJson =
          error instanceof InferenceError && error.message.startsWith(NOT_JSON_MESSAGE);
        if (!readAsJson || error instanceof NodeUnreachable) throw error;
        this.relaysProtobuf = false;
      }
    }
    const { model, version, body } = call;
    return inferProto(
      { infer: (request) => this.infer(request, limits) },
      { model, version },
      body,
    );
  }

  private async relay({ model, version, body }: RelayedInfer, type: string, limits: CallLimits) {
    const path = `${modelPath(model, version)}/infer`;
    const answer = await this.send('POST', path, body, limits, type);
    if (answer.status === 200) return answer.body;
    return this.json<never>(answer); // throws the node's error, which is always JSON
  }

  async modelMetadata(
    name: string,
    version: string | undefined,
    limits: CallLimits,
  ): Promise<ModelMetadata> {
    return this.json<ModelMetadata>(
      await this.send('GET', modelPath(name, version), undefined, limits),
    );
  }

  async live(limits: CallLimits): Promise<boolean> {
    return (await this.send('GET', '/v2/health/live', undefined, limits)).status === 200;
  }

  async modelReady(name: string, version: string, limits: CallLimits): Promise<boolean> {
    const answer = await this.send('GET', `${modelPath(name, version)}/ready`, undefined, limits);
    return answer.status === 200;
  }

  /** A keep-alive socket the node closed can fail one request; three in a row is the node. */
  reachable(): boolean {
    return this.unreachableRun < 3;
  }

  /** Lets calls in flight finish (a node leaving cleanly answers them), then closes the sockets. */
  close(): void {
    void this.pool.close().catch(() => undefined);
  }

  private json<T>(answer: HttpAnswer): T {
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body.toString('utf8'));
    } catch {
      parsed = undefined;
    }
    if (answer.status === 200 && parsed !== undefined) return parsed as T;
    const message =
      (parsed as { error?: string } | undefined)?.error ?? `node answered HTTP ${answer.status}`;
    // Unmapped statuses, 401 among them (the node refused the gateway's own token), are the
    // gateway's fault, not the client's: INTERNAL.
    const code = CODE_BY_STATUS[answer.status] ?? 'INTERNAL';
    if (code === 'UNAVAILABLE' || code === 'DEADLINE_EXCEEDED')
      throw new NodeUnreachable(code, message);
    throw new InferenceError(code, message);
  }

  private send(
    method: 'GET' | 'POST',
    path: string,
    body: string | Uint8Array | undefined,
    limits: CallLimits,
    contentType = JSON_MEDIA_TYPE,
  ): Promise<HttpAnswer> {
    return new Promise<HttpAnswer>((resolve, reject) => {
      if (limits.signal?.aborted) return reject(new CallCancelled());
      const remaining = limits.deadlineMs - Date.now();
      if (remaining <= 0)
        return reject(
          new NodeUnreachable('DEADLINE_EXCEEDED', `no time left to call ${this.address}`),
        );
      const span = tracer.startSpan(method, {
        kind: SpanKind.CLIENT,
        attributes: { 'http.request.method': method, 'url.full': `${this.base.origin}${path}` },
      });
      const headers: Record<string, string> = {
        ...this.headers,
        [TIMEOUT_HEADER]: String(remaining),
        ...(body !== undefined && { 'content-type': contentType }),
      };
      propagation.inject(trace.setSpan(context.active(), span), headers); // the trace goes on
      let settled = false;
      let controller: Dispatcher.DispatchController | undefined;
      let status = 0;
      const chunks: Buffer[] = [];
      const finish = (error: Error | undefined, answer?: HttpAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        limits.signal?.removeEventListener('abort', onAbort);
        if (answer) span.setAttribute('http.response.status_code', answer.status);
        else span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message });
        span.end();
        if (error) reject(error);
        else resolve(answer!);
      };
      // A call this side already gave up on (deadline, a hedge's loser) errors as it is aborted:
      // that says nothing about the node, so it is not counted against it.
      const abandon = () => controller?.abort(new Error('abandoned by the gateway'));
      const timer = setTimeout(() => {
        finish(
          new NodeUnreachable('DEADLINE_EXCEEDED', `node ${this.address} did not answer in time`),
        );
        abandon();
      }, remaining);
      const onAbort = () => {
        finish(new CallCancelled());
        abandon();
      };
      limits.signal?.addEventListener('abort', onAbort, { once: true });
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart: (started) => {
          controller = started;
          if (settled) abandon();
        },
        onResponseStart: (_c, statusCode) => {
          status = statusCode;
        },
        onResponseData: (_c, chunk) => {
          chunks.push(chunk);
        },
        onResponseEnd: () => {
          this.unreachableRun = 0;
          finish(undefined, {
            status,
            body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
          });
        },
        onResponseError: (_c, error) => {
          if (!settled) finish(this.unreachable(error));
        },
      };
      try {
        this.pool.dispatch({ method, path, headers, body: body ?? null }, handler);
      } catch (error) {
        finish(this.unreachable(error as Error)); // a pool already closed
      }
    });
  }

  private unreachable(error: Error): NodeUnreachable {
    this.unreachableRun++;
    return new NodeUnreachable('UNAVAILABLE', `node ${this.address} unreachable: ${error.message}`);
  }
}

const modelPath = (name: string, version?: string) =>
  `/v2/models/${encodeURIComponent(name)}${version ? `/versions/${encodeURIComponent(version)}` : ''}`;
