import {
  Client,
  credentials as grpcCredentials,
  Metadata,
  type ChannelCredentials,
  type ChannelOptions,
  type ServiceError,
} from '@grpc/grpc-js';
import { InferenceError } from '../protocol/errors';
import { modelInferRequestMessage, parseModelInferResponse } from '../protocol/grpc-codec';
import type {
  ModelInferRequestMessage,
  ModelInferResponseMessage,
  ModelMetadataMessage,
  ModelNameMessage,
  ServerMetadataMessage,
  TensorMetadataMessage,
} from '../protocol/grpc-messages';
import type {
  InferRequest,
  InferResponse,
  ModelMetadata,
  ServerMetadata,
  TensorMetadata,
} from '../protocol/inference-handler';
import { parseDatatype } from '../protocol/tensor-values';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  inferenceServiceDefinition,
  type InferenceRpc,
} from '../protocol/inference-service';

export interface InferenceGrpcClientOptions {
  /** Largest request and response, in bytes (default 64 MB, as the server). */
  maxMessageBytes?: number;
  /** Defaults to insecure (plain HTTP/2), as inside the cluster. */
  credentials?: ChannelCredentials;
  channelOptions?: ChannelOptions;
  /** Sent with every call: a prediction node's token (`authorization: Bearer <token>`). */
  metadata?: Record<string, string>;
}

export interface CallOptions {
  /** When to give up, in `Date.now()` milliseconds: the call fails with DEADLINE_EXCEEDED. */
  deadlineMs?: number;
}

export interface InferOptions {
  /**
   * Send tensors as raw_input_contents (the default, as Triton's clients do; FP16 always goes raw)
   * or as typed contents. The server answers in the same form.
   */
  raw?: boolean;
}

/** A promise-returning client of `inference.GRPCInferenceService`; failures are InferenceErrors. */
export interface InferenceGrpcClient {
  serverLive(options?: CallOptions): Promise<boolean>;
  serverReady(options?: CallOptions): Promise<boolean>;
  modelReady(name: string, version?: string, options?: CallOptions): Promise<boolean>;
  serverMetadata(options?: CallOptions): Promise<ServerMetadata>;
  modelMetadata(name: string, version?: string, options?: CallOptions): Promise<ModelMetadata>;
  /** `request.deadlineMs`, when set, is the call's deadline. */
  infer(request: InferRequest, options?: InferOptions): Promise<InferResponse>;
  /** Resolves once the channel is connected; rejects at the deadline. */
  waitForReady(deadlineMs: number): Promise<void>;
  close(): void;
}

/** A ServiceError as the InferenceError the server threw (status and message carried over). */
const fromServiceError = (error: ServiceError): InferenceError =>
  InferenceError.fromGrpcStatus(error.code, error.details || error.message);

function tensorMetadata(model: string, tensors: TensorMetadataMessage[]): TensorMetadata[] {
  return tensors.map((t) => ({
    name: t.name,
    datatype: parseDatatype(`model '${model}' tensor '${t.name}'`, t.datatype),
    shape: t.shape.map(Number),
  }));
}

export function createInferenceGrpcClient(
  address: string,
  options: InferenceGrpcClientOptions = {},
): InferenceGrpcClient {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const client = new Client(address, options.credentials ?? grpcCredentials.createInsecure(), {
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    ...options.channelOptions,
  });
  const service = inferenceServiceDefinition();
  const callMetadata = () => {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(options.metadata ?? {})) metadata.set(key, value);
    return metadata;
  };

  function call<Req, Res>(rpc: InferenceRpc, request: Req, deadlineMs?: number): Promise<Res> {
    const method = service[rpc];
    return new Promise<Res>((resolve, reject) => {
      client.makeUnaryRequest<Req, Res>(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        request,
        callMetadata(),
        deadlineMs === undefined ? {} : { deadline: deadlineMs },
        (error, response) => (error ? reject(fromServiceError(error)) : resolve(response as Res)),
      );
    });
  }

  const named = (name: string, version?: string): ModelNameMessage => ({
    name,
    version: version ?? '',
  });

  return {
    serverLive: async (o = {}) =>
      (await call<object, { live: boolean }>('ServerLive', {}, o.deadlineMs)).live,
    serverReady: async (o = {}) =>
      (await call<object, { ready: boolean }>('ServerReady', {}, o.deadlineMs)).ready,
    modelReady: async (name, version, o = {}) =>
      (
        await call<ModelNameMessage, { ready: boolean }>(
          'ModelReady',
          named(name, version),
          o.deadlineMs,
        )
      ).ready,
    serverMetadata: async (o = {}) => {
      const meta = await call<object, ServerMetadataMessage>('ServerMetadata', {}, o.deadlineMs);
      return { name: meta.name, version: meta.version, extensions: meta.extensions };
    },
    modelMetadata: async (name, version, o = {}) => {
      const meta = await call<ModelNameMessage, ModelMetadataMessage>(
        'ModelMetadata',
        named(name, version),
        o.deadlineMs,
      );
      return {
        name: meta.name,
        versions: meta.versions,
        platform: meta.platform,
        inputs: tensorMetadata(meta.name, meta.inputs),
        outputs: tensorMetadata(meta.name, meta.outputs),
      };
    },
    infer: async (request, o = {}) => {
      const message = modelInferRequestMessage(request, o.raw ?? true);
      const response = await call<ModelInferRequestMessage, ModelInferResponseMessage>(
        'ModelInfer',
        message,
        request.deadlineMs,
      );
      return parseModelInferResponse(response);
    },
    waitForReady: (deadlineMs) =>
      new Promise<void>((resolve, reject) =>
        client.waitForReady(deadlineMs, (error) => (error ? reject(error) : resolve())),
      ),
    close: () => client.close(),
  };
}
