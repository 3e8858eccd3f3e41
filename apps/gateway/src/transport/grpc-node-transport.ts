import { status } from '@grpc/grpc-js';
import {
  DATATYPES,
  decodeRestInferBody,
  GrpcStatusError,
  InferenceError,
  inferenceServiceDefinition,
  modelInferRequestMessage,
  parseModelInferResponse,
  REST_RELAY_PATH,
  restInferResponse,
  restRelayHeaders,
  UnaryGrpcClient,
  withProtoVersion,
  type Datatype,
  type InferenceRpc,
  type InferRequest,
  type InferResponse,
  type ModelInferRequestMessage,
  type ModelInferResponseMessage,
  type ModelMetadata,
  type ModelMetadataMessage,
  type ModelNameMessage,
  type TensorMetadata,
  type TensorMetadataMessage,
} from '@keelson/inference';
import { context, propagation } from '@opentelemetry/api';
import {
  CallCancelled,
  NodeUnreachable,
  type CallLimits,
  type NodeTransport,
  type RelayedInfer,
} from './node-transport';

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * The node's gRPC port over one HTTP/2 connection, every call multiplexed on it (the lean unary
 * client: grpc-js's cost its caller about 190 µs of CPU a call), with tensors as raw bytes: the
 * cheapest encoding on both sides. A call's deadline is the attempt's and travels as
 * `grpc-timeout`, so the node stops working on a request the gateway gave up on; a hedge's loser
 * is cancelled with RST_STREAM.
 */
export class GrpcNodeTransport implements NodeTransport {
  private readonly client: UnaryGrpcClient;
  private readonly service = inferenceServiceDefinition();
  /** Whether the node serves the REST relay; false once it answered UNIMPLEMENTED to it. */
  private relays = true;

  /**
   * `address`: `host:port`, or `grpcs://host:port` for TLS (trusting Node's roots and
   * NODE_EXTRA_CA_CERTS). `headers`: metadata sent with every call (the node token:
   * `nodeCallHeaders` in @keelson/config).
   */
  constructor(
    readonly address: string,
    private readonly headers: Record<string, string> = {},
  ) {
    const tls = address.startsWith('grpcs://');
    this.client = new UnaryGrpcClient(
      tls ? `https://${address.slice('grpcs://'.length)}` : `http://${address}`,
      MAX_MESSAGE_BYTES,
    );
  }

  async infer(request: InferRequest, limits: CallLimits): Promise<InferResponse> {
    const message = modelInferRequestMessage(request, true);
    const response = await this.call<ModelInferRequestMessage, ModelInferResponseMessage>(
      'ModelInfer',
      message,
      limits,
    );
    return parseModelInferResponse(response);
  }

  /**
   * REST in, gRPC to the node: the body goes as it came in a relay call (rest-relay.ts) and the
   * node's JSON comes back. A node too old to serve the relay answers UNIMPLEMENTED; from then on
   * its calls are decoded here and sent as ModelInfer.
   */
  async inferRestBody({ model, version, body }: RelayedInfer, limits: CallLimits) {
    if (this.relays) {
      try {
        return await this.send(REST_RELAY_PATH, body, limits, restRelayHeaders(model, version));
      } catch (error) {
        if (!(error instanceof GrpcStatusError && error.code === status.UNIMPLEMENTED))
          throw this.failure(error, limits);
        this.relays = false;
      }
    }
    const request = decodeRestInferBody(body);
    const response = await this.infer({ ...request, model, version }, limits);
    return Buffer.from(JSON.stringify(restInferResponse(request, response)));
  }

  /**
   * A gRPC client's ModelInferRequest to the node's ModelInfer as it came, but for the version
   * the gateway chose (a version field appended, which wins over the client's).
   */
  async inferProtoBody({ version, body }: RelayedInfer, limits: CallLimits) {
    const payload = version === undefined ? body : withProtoVersion(body, version);
    try {
      return await this.send(this.service.ModelInfer.path, payload, limits);
    } catch (error) {
      throw this.failure(error, limits);
    }
  }

  async modelMetadata(
    name: string,
    version: string | undefined,
    limits: CallLimits,
  ): Promise<ModelMetadata> {
    const meta = await this.call<ModelNameMessage, ModelMetadataMessage>(
      'ModelMetadata',
      { name, version: version ?? '' },
      limits,
    );
    return {
      name: meta.name,
      versions: meta.versions,
      platform: meta.platform,
      inputs: meta.inputs.map(tensorMetadata),
      outputs: meta.outputs.map(tensorMetadata),
    };
  }

  async live(limits: CallLimits): Promise<boolean> {
    return (await this.call<object, { live: boolean }>('ServerLive', {}, limits)).live;
  }

  async modelReady(name: string, version: string, limits: CallLimits): Promise<boolean> {
    const answer = await this.call<ModelNameMessage, { ready: boolean }>(
      'ModelReady',
      { name, version },
      limits,
    );
    return answer.ready;
  }

  reachable(): boolean {
    return this.client.reachable();
  }

  close(): void {
    this.client.close();
  }

  private async call<Req, Res>(rpc: InferenceRpc, request: Req, limits: CallLimits): Promise<Res> {
    const method = this.service[rpc];
    const payload = method.requestSerialize(request) as Buffer;
    try {
      return method.responseDeserialize(await this.send(method.path, payload, limits)) as Res;
    } catch (error) {
      throw this.failure(error, limits);
    }
  }

  /** One unary call; fails with the GrpcStatusError the node answered. */
  private send(
    path: string,
    payload: Uint8Array,
    limits: CallLimits,
    extra: Record<string, string> = {},
  ): Promise<Buffer> {
    const headers: Record<string, string> = { ...this.headers, ...extra };
    propagation.inject(context.active(), headers); // the trace continues on the node
    return this.client.call(path, payload, {
      headers,
      deadlineMs: limits.deadlineMs,
      signal: limits.signal,
    });
  }

  /** What a failed call throws: cancelled by the gateway, or the node's status as an error. */
  private failure(error: unknown, limits: CallLimits): unknown {
    if (limits.signal?.aborted) return new CallCancelled();
    return error instanceof GrpcStatusError ? this.statusError(error) : error;
  }

  private statusError(error: GrpcStatusError): InferenceError {
    const details = error.message;
    if (error.code === status.UNAVAILABLE)
      return new NodeUnreachable('UNAVAILABLE', `node ${this.address} unavailable: ${details}`);
    if (error.code === status.DEADLINE_EXCEEDED)
      return new NodeUnreachable(
        'DEADLINE_EXCEEDED',
        `node ${this.address} did not answer in time`,
      );
    // The node refusing the gateway's own credential is the gateway's fault, not the client's.
    if (error.code === status.UNAUTHENTICATED)
      return new InferenceError('INTERNAL', `node ${this.address} refused: ${details}`);
    return InferenceError.fromGrpcStatus(error.code, details);
  }
}

function tensorMetadata(t: TensorMetadataMessage): TensorMetadata {
  if (!(DATATYPES as readonly string[]).includes(t.datatype))
    throw new InferenceError('INTERNAL', `a node described tensor '${t.name}' as ${t.datatype}`);
  return { name: t.name, datatype: t.datatype as Datatype, shape: t.shape.map(Number) };
}
