import { createHash } from 'node:crypto';
import { InferenceError } from '@keelson/inference';
import type { ApiKey, ApiKeyRepository, ApiScope } from '@keelson/persistence';
import { TokenBuckets } from '@keelson/service-kit';
import { AccessDenied } from './access-denied';

export interface AuthorizerSettings {
  defaultPerSecond: number;
  defaultBurst: number;
}

// Verified keys are remembered briefly, as ApiKeyGuard does, so a busy client costs no database
// read per request; a revoked key stops working within this time. Unknown keys are remembered
// too (for less time), so a client hammering with a bad key does not hammer the database.
const VALID_MS = 30_000;
const INVALID_MS = 5_000;
const MAX_CACHED = 10_000;

type Verified = { key: ApiKey | null; until: number };

/**
 * API keys for the prediction API, the same way over REST and gRPC: `Authorization: Bearer
 * <key>`, the `predict` scope (or `admin`), and a token bucket per key. The buckets live in this
 * process: N gateways allow N times a key's rate, the price of no network hop per request.
 */
export class ApiKeyAuthorizer {
  private readonly cache = new Map<string, Verified>();
  private readonly pending = new Map<string, Promise<ApiKey | null>>();
  private readonly buckets: TokenBuckets;

  constructor(
    private readonly keys: Pick<ApiKeyRepository, 'verify'>,
    private readonly settings: AuthorizerSettings,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.buckets = new TokenBuckets(now);
  }

  /** The key, if `presented` is valid, has `scope` and is within its rate; else AccessDenied. */
  async authorize(presented: string | undefined, scope: ApiScope = 'predict'): Promise<ApiKey> {
    if (!presented)
      throw new AccessDenied(
        'UNAUTHENTICATED',
        'missing API key: send Authorization: Bearer <key>',
      );
    const key = await this.verify(presented);
    if (!key) throw new AccessDenied('UNAUTHENTICATED', 'invalid or revoked API key');
    if (!key.scopes.includes(scope) && !key.scopes.includes('admin'))
      throw new AccessDenied('PERMISSION_DENIED', `this API key lacks the "${scope}" scope`);
    const rate = key.ratePerSecond || this.settings.defaultPerSecond;
    const wait = this.buckets.take(key.id, rate, key.burst || this.settings.defaultBurst);
    if (wait > 0)
      throw new AccessDenied(
        'RATE_LIMITED',
        `rate limit of ${rate} requests/s exceeded for this key`,
        wait,
      );
    return key;
  }

  private async verify(presented: string): Promise<ApiKey | null> {
    const id = createHash('sha256').update(presented).digest('hex');
    const hit = this.cache.get(id);
    if (hit && hit.until > this.now()) return hit.key;
    // Many requests with a new key at once make one database read, not one each.
    let lookup = this.pending.get(id);
    if (!lookup) {
      lookup = this.lookup(id, presented).finally(() => this.pending.delete(id));
      this.pending.set(id, lookup);
    }
    return lookup;
  }

  private async lookup(id: string, presented: string): Promise<ApiKey | null> {
    let key: ApiKey | null;
    try {
      key = await this.keys.verify(presented);
    } catch {
      throw new InferenceError('UNAVAILABLE', 'cannot check API keys: the database is unavailable');
    }
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(id, { key, until: this.now() + (key ? VALID_MS : INVALID_MS) });
    return key;
  }
}

/** The key a request presents: `Authorization: Bearer <key>`, or an `x-api-key` header. */
export function presentedKey(authorization: unknown, apiKeyHeader?: unknown): string | undefined {
  if (typeof authorization === 'string' && authorization.startsWith('Bearer '))
    return authorization.slice(7).trim() || undefined;
  return typeof apiKeyHeader === 'string' ? apiKeyHeader.trim() || undefined : undefined;
}
