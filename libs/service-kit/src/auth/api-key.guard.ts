import { createHash } from 'node:crypto';
import {
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG } from '@keelson/config';
import { ApiKeyRepository, type ApiKey, type ApiScope } from '@keelson/persistence';
import { ApiError } from '../api-error';
import { TokenBuckets } from './token-bucket';

/** What a service's config must carry for the guard: limits for keys created without their own. */
export interface RateLimitSettings {
  rateLimit: { defaultPerSecond: number; defaultBurst: number };
}

const SCOPE = 'keelson:scope';
/** The scope a route needs; `admin` keys pass every check. */
export const RequireScope = (scope: ApiScope) => SetMetadata(SCOPE, scope);

export type AuthenticatedRequest = FastifyRequest & { apiKey: ApiKey };

// Verified keys are remembered briefly so a busy producer costs no database read per request;
// a revoked key stops working within this time.
const CACHE_MS = 30_000;

@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly cache = new Map<string, { key: ApiKey; until: number }>();
  private readonly buckets = new TokenBuckets();

  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyRepository,
    @Inject(APP_CONFIG) private readonly config: RateLimitSettings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope = this.reflector.get<ApiScope | undefined>(SCOPE, context.getHandler());
    if (!scope) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const presented = bearer(request);
    if (!presented) throw new ApiError(401, 'missing API key: send Authorization: Bearer <key>');
    const key = await this.verify(presented);
    if (!key) throw new ApiError(401, 'invalid or revoked API key');
    if (!key.scopes.includes(scope) && !key.scopes.includes('admin'))
      throw new ApiError(403, `this API key lacks the "${scope}" scope`);
    const wait = this.buckets.take(
      key.id,
      key.ratePerSecond || this.config.rateLimit.defaultPerSecond,
      key.burst || this.config.rateLimit.defaultBurst,
    );
    if (wait > 0)
      throw new ApiError(
        429,
        `rate limit of ${key.ratePerSecond} requests/s exceeded for this key`,
        undefined,
        wait,
      );
    request.apiKey = key;
    return true;
  }

  private async verify(presented: string): Promise<ApiKey | null> {
    const id = createHash('sha256').update(presented).digest('hex');
    const hit = this.cache.get(id);
    if (hit && hit.until > Date.now()) return hit.key;
    let key: ApiKey | null;
    try {
      key = await this.keys.verify(presented);
    } catch {
      throw ApiError.unavailable('cannot check API keys: the database is unavailable');
    }
    if (key) this.cache.set(id, { key, until: Date.now() + CACHE_MS });
    return key;
  }
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const alt = request.headers['x-api-key'];
  return typeof alt === 'string' ? alt.trim() : undefined;
}
