import { hash } from 'node:crypto';
import {
  API_KEY_FORMAT,
  type ApiKey,
  type ApiKeyRepository,
  type ApiScope,
} from '@keelson/persistence';
import { TokenBuckets } from './token-bucket';

export type AccessFailure =
  'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'RATE_LIMITED' | 'UNAVAILABLE';

/**
 * A request refused at the door. Each edge answers it in its own protocol: the HTTP guard as
 * 401 / 403 / 429 / 503, the gateway as the matching Open Inference Protocol error (REST or gRPC).
 */
export class AccessDenied extends Error {
  override name = 'AccessDenied';
  constructor(
    readonly failure: AccessFailure,
    message: string,
    /** For RATE_LIMITED and UNAVAILABLE: seconds until a retry can succeed (`Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface AuthorizerSettings {
  /** Limits for keys created without their own. */
  defaultPerSecond: number;
  defaultBurst: number;
  /**
   * Database look-ups of keys not in the cache, per second, for the whole process: a client
   * sending a new random key with every request must not turn each one into a database read.
   * Past it, unknown keys get RATE_LIMITED at once; keys already verified are not affected.
   */
  lookupsPerSecond?: number;
}

// Verified keys are remembered briefly so a busy client costs no database read per request; a
// revoked key stops working within this time. Unknown keys are remembered for less.
const VALID_MS = 30_000;
const INVALID_MS = 5_000;
const MAX_CACHED = 10_000;
const DEFAULT_LOOKUPS_PER_SECOND = 100;

type Verified = { key: ApiKey | null; until: number };

/**
 * The one implementation of API keys, for every service's HTTP API (through ApiKeyGuard) and the
 * gateway's REST and gRPC: the key from `Authorization: Bearer` (or `x-api-key`), its scope
 * (`admin` passes every check), its expiry and revocation, and a token bucket per key. The buckets
 * live in the process: N replicas allow N times a key's rate, the price of no network hop per
 * request.
 */
export class ApiKeyAuthorizer {
  private readonly cache = new Map<string, Verified>();
  private readonly pending = new Map<string, Promise<ApiKey | null>>();
  private readonly buckets: TokenBuckets;
  private readonly lookupsPerSecond: number;

  constructor(
    private readonly keys: Pick<ApiKeyRepository, 'verify'>,
    private readonly settings: AuthorizerSettings,
    private readonly now: () => number = () => performance.now(),
    private readonly wallClock: () => number = Date.now,
  ) {
    this.buckets = new TokenBuckets(now);
    this.lookupsPerSecond = settings.lookupsPerSecond ?? DEFAULT_LOOKUPS_PER_SECOND;
  }

  /**
   * The key, if `presented` is valid, has `scope` (or one of several) and is within its rate;
   * else AccessDenied.
   */
  async authorize(
    presented: string | undefined,
    scope: ApiScope | readonly ApiScope[],
  ): Promise<ApiKey> {
    if (!presented)
      throw new AccessDenied(
        'UNAUTHENTICATED',
        'missing API key: send Authorization: Bearer <key>',
      );
    const key = await this.verify(presented);
    if (!key) throw new AccessDenied('UNAUTHENTICATED', 'invalid, expired or revoked API key');
    if (key.expiresAt && Date.parse(key.expiresAt) <= this.wallClock())
      throw new AccessDenied('UNAUTHENTICATED', 'invalid, expired or revoked API key');
    const accepted = typeof scope === 'string' ? [scope] : scope;
    if (!key.scopes.includes('admin') && !accepted.some((s) => key.scopes.includes(s)))
      throw new AccessDenied(
        'PERMISSION_DENIED',
        `this API key lacks the ${accepted.map((s) => `"${s}"`).join(' or ')} scope`,
      );
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
    if (!API_KEY_FORMAT.test(presented)) return null; // no read for what cannot be a key
    const id = hash('sha256', presented); // one-shot: cheaper than a Hash object per request
    const hit = this.cache.get(id);
    if (hit && hit.until > this.now()) return hit.key;
    // Many requests with a new key at once make one database read, not one each.
    let lookup = this.pending.get(id);
    if (!lookup) {
      const wait = this.buckets.take('(lookups)', this.lookupsPerSecond, this.lookupsPerSecond * 2);
      if (wait > 0)
        throw new AccessDenied(
          'RATE_LIMITED',
          'too many unknown API keys presented; retry shortly',
          wait,
        );
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
      throw new AccessDenied(
        'UNAVAILABLE',
        'cannot check API keys: the database is unavailable',
        1,
      );
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
