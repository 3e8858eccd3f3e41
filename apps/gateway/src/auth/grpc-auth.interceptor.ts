import type { ServerInterceptor } from '@grpc/grpc-js';
import { grpcAuthInterceptor, metadataValue } from '@keelson/inference';
import { presentedKey, type PredictionKeys } from './api-key-authorizer';

/**
 * API-key checks for the gateway's gRPC service: the key travels in the `authorization: Bearer
 * <key>` (or `x-api-key`) metadata; the health RPCs need none.
 */
export function grpcApiKeyInterceptor(authorizer: PredictionKeys): ServerInterceptor {
  return grpcAuthInterceptor((metadata) =>
    authorizer.authorize(
      presentedKey(metadataValue(metadata, 'authorization'), metadataValue(metadata, 'x-api-key')),
      'predict',
    ),
  );
}
