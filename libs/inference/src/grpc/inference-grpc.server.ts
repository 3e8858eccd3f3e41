import type { IncomingHttpHeaders } from 'node:http2';
import type { MethodDefinition } from '@grpc/grpc-js';
import { invalid, toInferenceError } from '../protocol/errors';
import type {
  ModelInferRequestMessage,
  ModelMetadataMessage,
  ModelNameMessage,
  ServerMetadataMessage,
} from '../protocol/grpc-messages';
import { ONNX_PLATFORM, type InferenceHandler } from '../protocol/inference-handler';
import {
  DEFAULT_MAX_MESSAGE_BYTES,
  INFERENCE_SERVICE_NAME,
  inferenceServiceDefinition,
  type InferenceRpc,
} from '../protocol/inference-service';
import { answerModelInfer, scanProtoTarget, type ProtoTarget } from '../protocol/proto-infer';
import { REST_RELAY_PATH, restRelayMethod } from './rest-relay';
import {
  startUnaryGrpcServer,
  type RunningUnaryGrpcServer,
  type UnaryCall,
  type UnaryMethod,
} from './wire/unary-grpc-server';

export interface InferenceGrpcServerOptions {
  /** Largest request and response accepted, in bytes (default 64 MB). */
  maxMessageBytes?: number;
  /**
   * Checks the credential of every call but the health RPCs (ServerLive, ServerReady), from the
   * call's metadata; what it throws (an InferenceError: UNAUTHENTICATED, PERMISSION_DENIED,
   * RESOURCE_EXHAUSTED) ends the call before it reaches the handler.
   */
  authorize?: (metadata: IncomingHttpHeaders) => unknown;
  /** TLS with this certificate chain and key (PEM); plain HTTP/2 without. */
  tls?: { cert: Buffer; key: Buffer };
}

export type RunningInferenceGrpcServer = RunningUnaryGrpcServer;

const modelName = (request: ModelNameMessage): string => {
  if (!request.name) throw invalid('the model name is required');
  return request.name;
};

/** What each RPC does with its decoded request, in the handler's terms. */
function rpcs(
  handler: InferenceHandler,
): Record<InferenceRpc, (request: never, call: UnaryCall) => Promise<unknown>> {
  return {
    ServerLive: async () => ({ live: await handler.serverLive() }),
    ServerReady: async () => ({ ready: await handler.serverReady() }),
    ModelReady: async (request: ModelNameMessage) => ({
      ready: await handler.modelReady(modelName(request), request.version || undefined),
    }),
    ServerMetadata: async (): Promise<ServerMetadataMessage> => {
      const meta = await handler.serverMetadata();
      return { name: meta.name, version: meta.version, extensions: meta.extensions };
    },
    ModelMetadata: async (request: ModelNameMessage): Promise<ModelMetadataMessage> => {
      const meta = await handler.modelMetadata(modelName(request), request.version || undefined);
      return {
        name: meta.name,
        versions: meta.versions ?? [],
        platform: meta.platform ?? ONNX_PLATFORM,
        inputs: meta.inputs,
        outputs: meta.outputs,
      };
    },
    ModelInfer: (message: ModelInferRequestMessage, { deadlineMs }: UnaryCall) =>
      answerModelInfer(handler, message, deadlineMs === undefined ? {} : { deadlineMs }),
  };
}

/** Health calls answer without a credential, as the REST health routes do (probes carry none). */
const OPEN_RPCS: ReadonlySet<InferenceRpc> = new Set(['ServerLive', 'ServerReady']);

/**
 * `inference.GRPCInferenceService`'s methods by path, with the .proto's message codecs, and
 * Keelson's REST relay (rest-relay.ts).
 */
export function inferenceGrpcMethods(handler: InferenceHandler): Map<string, UnaryMethod> {
  const definition = inferenceServiceDefinition();
  const methods = new Map<string, UnaryMethod>();
  for (const [rpc, run] of Object.entries(rpcs(handler)) as Array<
    [InferenceRpc, (request: unknown, call: UnaryCall) => Promise<unknown>]
  >) {
    const codec: MethodDefinition<unknown, unknown> = definition[rpc];
    methods.set(`/${INFERENCE_SERVICE_NAME}/${rpc}`, {
      decode: codec.requestDeserialize,
      encode: codec.responseSerialize,
      run,
      open: OPEN_RPCS.has(rpc),
    });
  }
  if (handler.inferProtoBody) {
    methods.set(
      `/${INFERENCE_SERVICE_NAME}/ModelInfer`,
      protoRelayMethod(handler.inferProtoBody.bind(handler)) as UnaryMethod,
    );
  }
  methods.set(REST_RELAY_PATH, restRelayMethod(handler) as UnaryMethod);
  return methods;
}

interface ScannedCall extends ProtoTarget {
  body: Buffer;
}

/**
 * ModelInfer for a handler that relays (the gateway): only the model and version are read from
 * the message, the bytes go on as they came and the node's answer comes back as it came. A
 * message that does not parse fails as grpc-js fails it; one the node finds invalid gets the
 * node's status.
 */
function protoRelayMethod(
  relay: NonNullable<InferenceHandler['inferProtoBody']>,
): UnaryMethod<ScannedCall, Uint8Array> {
  return {
    decode: (body) => ({ ...scanProtoTarget(body), body }),
    encode: (answer) => answer,
    run: ({ model, version, body }, { deadlineMs }) => {
      if (!model) throw invalid('model_name is required');
      return relay({
        model,
        body,
        ...(version !== undefined && { version }),
        ...(deadlineMs !== undefined && { deadlineMs }),
      });
    },
  };
}

/**
 * Serves `inference.GRPCInferenceService` through `handler` on `address` (e.g. `0.0.0.0:8201`,
 * port 0 for any free one): the lean unary server (wire/unary-grpc-server.ts), since every RPC of
 * the service is unary. A failure becomes the gRPC status of its InferenceError, with its message.
 */
export function startInferenceGrpcServer(
  handler: InferenceHandler,
  address: string,
  options: InferenceGrpcServerOptions = {},
): Promise<RunningInferenceGrpcServer> {
  return startUnaryGrpcServer(inferenceGrpcMethods(handler), address, {
    maxMessageBytes: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    authorize: options.authorize,
    tls: options.tls,
    toStatus: (error) => {
      const failure = toInferenceError(error);
      return { code: failure.grpcStatus, message: failure.message };
    },
  });
}
