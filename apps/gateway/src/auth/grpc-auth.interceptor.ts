import { ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { InferenceError } from '@keelson/inference';
import { presentedKey, type PredictionKeys } from './api-key-authorizer';

/** Health RPCs answer without a key, as the REST health routes do (probes carry no secrets). */
const OPEN_METHODS = new Set([
  '/inference.GRPCInferenceService/ServerLive',
  '/inference.GRPCInferenceService/ServerReady',
]);

/**
 * API-key checks for the gRPC service: the key travels in the `authorization: Bearer <key>` (or
 * `x-api-key`) metadata. The call's request message waits while the key is checked (grpc-js
 * queues it); a refused call ends with UNAUTHENTICATED, PERMISSION_DENIED or RESOURCE_EXHAUSTED
 * and never reaches the handler.
 */
export function grpcAuthInterceptor(authorizer: PredictionKeys): ServerInterceptor {
  return (method, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, proceed) {
            if (OPEN_METHODS.has(method.path)) return proceed(metadata);
            const [authorization] = metadata.get('authorization');
            const [apiKey] = metadata.get('x-api-key');
            authorizer.authorize(presentedKey(authorization, apiKey), 'predict').then(
              () => proceed(metadata),
              (error: unknown) =>
                call.sendStatus(
                  error instanceof InferenceError
                    ? { code: error.grpcStatus, details: error.message }
                    : { code: status.INTERNAL, details: 'cannot check the API key' },
                ),
            );
          },
        });
      },
    });
}
