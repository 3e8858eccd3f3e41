import {
  ServerInterceptingCall,
  status,
  type Metadata,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import { InferenceError } from '../protocol/errors';

/** Health RPCs answer without a credential, as the REST health routes do (probes carry none). */
const OPEN_METHODS = new Set([
  '/inference.GRPCInferenceService/ServerLive',
  '/inference.GRPCInferenceService/ServerReady',
]);

/** The first value of a metadata key, as a string (binary values are not credentials). */
export function metadataValue(metadata: Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * A credential check in front of every call of the inference service but the health RPCs. The
 * call's request message waits while `authorize` runs (grpc-js queues it); what it throws ends the
 * call with that InferenceError's status (UNAUTHENTICATED, PERMISSION_DENIED, RESOURCE_EXHAUSTED)
 * and the call never reaches the handler.
 */
export function grpcAuthInterceptor(
  authorize: (metadata: Metadata) => Promise<unknown> | unknown,
): ServerInterceptor {
  return (method, call) =>
    new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, proceed) {
            if (OPEN_METHODS.has(method.path)) return proceed(metadata);
            Promise.resolve()
              .then(() => authorize(metadata))
              .then(
                () => proceed(metadata),
                (error: unknown) =>
                  call.sendStatus(
                    error instanceof InferenceError
                      ? { code: error.grpcStatus, details: error.message }
                      : { code: status.INTERNAL, details: 'cannot check the credential' },
                  ),
              );
          },
        });
      },
    });
}
