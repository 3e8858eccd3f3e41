import type { IncomingHttpHeaders } from 'node:http2';
import { metadataValue } from '@keelson/inference';
import { presentedKey, type PredictionKeys } from './api-key-authorizer';

/**
 * The API-key check of the gateway's gRPC service: the key travels in the `authorization: Bearer
 * <key>` (or `x-api-key`) metadata; the inference server skips it for the health RPCs.
 */
export function grpcApiKeyCheck(authorizer: PredictionKeys) {
  return (metadata: IncomingHttpHeaders) =>
    authorizer.authorize(
      presentedKey(metadataValue(metadata, 'authorization'), metadataValue(metadata, 'x-api-key')),
      'predict',
    );
}
