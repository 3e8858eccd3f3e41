import {
  Server,
  ServerCredentials,
  type ChannelOptions,
  type ServerInterceptor,
  type ServerUnaryCall,
  type UntypedServiceImplementation,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { invalid, toInferenceError } from '../protocol/errors';
import { modelInferResponseMessage, parseModelInferRequest } from '../protocol/grpc-codec';
import type {
  ModelInferRequestMessage,
  ModelInferResponseMessage,
  ModelMetadataMessage,
  ModelNameMessage,
  ServerMetadataMessage,
} from '../protocol/grpc-messages';
import { ONNX_PLATFORM, selectOutputs, type InferenceHandler } from '../protocol/inference-handler';
import { DEFAULT_MAX_MESSAGE_BYTES, inferenceServiceDefinition } from './inference-service';

export interface InferenceGrpcServerOptions {
  /** Largest request and response accepted, in bytes (default 64 MB). */
  maxMessageBytes?: number;
  /** Further grpc-js server options; they override the defaults above. */
  channelOptions?: ChannelOptions;
  /** grpc-js server interceptors, run before every call (the gateway's API-key check). */
  interceptors?: ServerInterceptor[];
}

/** Plain HTTP/2, or TLS with this certificate chain and key (PEM): what a gRPC port binds with. */
export function grpcServerCredentials(tls?: { cert: Buffer; key: Buffer }): ServerCredentials {
  return tls
    ? ServerCredentials.createSsl(null, [{ cert_chain: tls.cert, private_key: tls.key }], false)
    : ServerCredentials.createInsecure();
}

/** One unary RPC: the handler's failures become a gRPC status with the error's message. */
function unary<Req, Res>(
  run: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    run(call.request, call).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const failure = toInferenceError(error);
        callback({ code: failure.grpcStatus, details: failure.message });
      },
    );
  };
}

const modelName = (request: ModelNameMessage): string => {
  if (!request.name) throw invalid('the model name is required');
  return request.name;
};

/** The call's deadline in `Date.now()` milliseconds, when the client set one. */
function deadlineOf(call: ServerUnaryCall<unknown, unknown>): number | undefined {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * A grpc-js Server serving `inference.GRPCInferenceService` through `handler`; bind it with
 * {@link startInferenceGrpcServer} or `server.bindAsync`.
 */
export function createInferenceGrpcServer(
  handler: InferenceHandler,
  options: InferenceGrpcServerOptions = {},
): Server {
  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const server = new Server({
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    ...options.channelOptions,
    ...(options.interceptors && { interceptors: options.interceptors }),
  });
  const implementation = {
    ServerLive: unary(async () => ({ live: await handler.serverLive() })),
    ServerReady: unary(async () => ({ ready: await handler.serverReady() })),
    ModelReady: unary(async (request: ModelNameMessage) => ({
      ready: await handler.modelReady(modelName(request), request.version || undefined),
    })),
    ServerMetadata: unary(async (): Promise<ServerMetadataMessage> => {
      const meta = await handler.serverMetadata();
      return { name: meta.name, version: meta.version, extensions: meta.extensions };
    }),
    ModelMetadata: unary(async (request: ModelNameMessage): Promise<ModelMetadataMessage> => {
      const meta = await handler.modelMetadata(modelName(request), request.version || undefined);
      return {
        name: meta.name,
        versions: meta.versions ?? [],
        platform: meta.platform ?? ONNX_PLATFORM,
        inputs: meta.inputs,
        outputs: meta.outputs,
      };
    }),
    ModelInfer: unary(
      async (
        message: ModelInferRequestMessage,
        call: ServerUnaryCall<ModelInferRequestMessage, ModelInferResponseMessage>,
      ) => {
        const { raw, ...request } = parseModelInferRequest(message);
        const deadlineMs = deadlineOf(call);
        const response = await handler.infer(
          deadlineMs === undefined ? request : { ...request, deadlineMs },
        );
        // Echoing the id and returning just the requested outputs are the front end's duty by the
        // spec, whatever the handler returned.
        const outputs = selectOutputs(response.outputs, request.outputs);
        return modelInferResponseMessage({ ...response, id: request.id, outputs }, raw);
      },
    ),
  };
  server.addService(inferenceServiceDefinition(), implementation as UntypedServiceImplementation);
  return server;
}

export interface RunningInferenceGrpcServer {
  server: Server;
  /** The bound port (the real one when asked for port 0). */
  port: number;
  /** Stops accepting calls, lets running ones finish, then closes. */
  shutdown(): Promise<void>;
}

/** Creates the server and binds it, insecure, to `address` (e.g. `0.0.0.0:8201`). */
export async function startInferenceGrpcServer(
  handler: InferenceHandler,
  address: string,
  options: InferenceGrpcServerOptions = {},
): Promise<RunningInferenceGrpcServer> {
  const server = createInferenceGrpcServer(handler, options);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const shutdown = () =>
    new Promise<void>((resolve, reject) =>
      server.tryShutdown((error) => (error ? reject(error) : resolve())),
    );
  return { server, port, shutdown };
}
