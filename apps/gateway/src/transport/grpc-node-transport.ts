import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import {
  Client,
  connectivityState,
  credentials,
  Metadata,
  status,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  DATATYPES,
  InferenceError,
  inferenceServiceDefinition,
  modelInferRequestMessage,
  parseModelInferResponse,
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
} from './node-transport';

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

const metadataSetter = {
  set: (carrier: Metadata, key: string, value: string) => carrier.set(key, value),
};

/**
 * The node's gRPC port over one grpc-js channel (one HTTP/2 connection, calls multiplexed), with
 * tensors as raw bytes: the cheapest encoding on both sides. The gateway does its own retries, so
 * the channel's are off; a call's deadline is the attempt's, so the node stops working on a
 * request the gateway gave up on.
 */
export class GrpcNodeTransport implements NodeTransport {
  private readonly client: Client;
  private readonly service = inferenceServiceDefinition();

  /** `headers`: metadata sent with every call (the node token: `nodeCallHeaders` in @keelson/config). */
  constructor(
    readonly address: string,
    private readonly headers: Record<string, string> = {},
  ) {
    // `grpcs://host:port`: TLS, trusting Node's roots and NODE_EXTRA_CA_CERTS.
    const tls = address.startsWith('grpcs://');
    this.client = new Client(
      tls ? address.slice('grpcs://'.length) : address,
      tls ? credentials.createSsl(trustedRoots()) : credentials.createInsecure(),
      {
        'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
        'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
        'grpc.enable_retries': 0,
        // A restarted node is back in rotation within a second, not grpc's default minute or two.
        'grpc.initial_reconnect_backoff_ms': 250,
        'grpc.max_reconnect_backoff_ms': 2_000,
      },
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
    return (
      this.client.getChannel().getConnectivityState(false) !== connectivityState.TRANSIENT_FAILURE
    );
  }

  close(): void {
    this.client.close();
  }

  private call<Req, Res>(rpc: InferenceRpc, request: Req, limits: CallLimits): Promise<Res> {
    const method = this.service[rpc];
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(this.headers)) metadata.set(key, value);
    propagation.inject(context.active(), metadata, metadataSetter); // the trace continues on the node
    return new Promise<Res>((resolve, reject) => {
      if (limits.signal?.aborted) return reject(new CallCancelled());
      const onAbort = () => call.cancel();
      const call = this.client.makeUnaryRequest<Req, Res>(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        metadata,
        { deadline: limits.deadlineMs },
        (error, response) => {
          limits.signal?.removeEventListener('abort', onAbort);
          if (!error) return resolve(response as Res);
          reject(limits.signal?.aborted ? new CallCancelled() : this.failure(error));
        },
      );
      limits.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private failure(error: ServiceError): InferenceError {
    const details = error.details || error.message;
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

/**
 * The certificates a TLS channel trusts: Node's bundled roots and the file NODE_EXTRA_CA_CERTS
 * names. grpc-js builds its own TLS context, which leaves the extra certificates out (measured:
 * "unable to verify the first certificate" with the issuer in NODE_EXTRA_CA_CERTS), so they are
 * passed explicitly, read once.
 */
let roots: Buffer | undefined;
function trustedRoots(): Buffer {
  const extra = process.env.NODE_EXTRA_CA_CERTS;
  roots ??= Buffer.from(
    [...rootCertificates, ...(extra ? [readFileSync(extra, 'utf8')] : [])].join('\n'),
  );
  return roots;
}

function tensorMetadata(t: TensorMetadataMessage): TensorMetadata {
  if (!(DATATYPES as readonly string[]).includes(t.datatype))
    throw new InferenceError('INTERNAL', `a node described tensor '${t.name}' as ${t.datatype}`);
  return { name: t.name, datatype: t.datatype as Datatype, shape: t.shape.map(Number) };
}
