import type { ApiKey, ApiScope } from '@keelson/persistence';
import { AccessDenied as Refused, type ApiKeyAuthorizer } from '@keelson/service-kit';
import { AccessDenied } from './access-denied';

export { presentedKey } from '@keelson/service-kit';

/**
 * The prediction API's keys, over REST and gRPC alike: the platform's one ApiKeyAuthorizer (the
 * `predict` scope, or `admin`; expiry, revocation, a token bucket per key, capped look-ups of
 * unknown keys), its refusals turned into protocol errors. The buckets live in this process: N
 * gateways allow N times a key's rate, the price of no network hop per request.
 */
export class PredictionKeys {
  constructor(private readonly authorizer: ApiKeyAuthorizer) {}

  async authorize(presented: string | undefined, scope: ApiScope = 'predict'): Promise<ApiKey> {
    try {
      return await this.authorizer.authorize(presented, scope);
    } catch (error) {
      throw error instanceof Refused ? AccessDenied.from(error) : error;
    }
  }
}
