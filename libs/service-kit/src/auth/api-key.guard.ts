import {
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { APP_CONFIG } from '@keelson/config/nest';
import { ApiKeyRepository, type ApiKey, type ApiScope } from '@keelson/persistence';
import { ApiError } from '../api-error';
import { AccessDenied, ApiKeyAuthorizer, presentedKey } from './api-key-authorizer';

/** What a service's config must carry for the guard: limits for keys created without their own. */
export interface RateLimitSettings {
  rateLimit: { defaultPerSecond: number; defaultBurst: number; lookupsPerSecond?: number };
}

const SCOPES = 'keelson:scopes';
const PUBLIC = 'keelson:public';
/** The scopes a route accepts (any one of them); `admin` keys pass every check. */
export const RequireScope = (...scopes: [ApiScope, ...ApiScope[]]) => SetMetadata(SCOPES, scopes);
/** A route anyone may call without a key: health, metrics, the API description. */
export const Public = () => SetMetadata(PUBLIC, true);

export type AuthenticatedRequest = FastifyRequest & { apiKey: ApiKey };

const STATUS = {
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

/**
 * API keys for every HTTP route of a service, deny by default: installed app-wide
 * ({@link API_KEY_GUARD}), it refuses any route that declares neither the scopes it needs
 * (`@RequireScope`) nor that it is `@Public()`, so a new route cannot ship open by omission.
 * Checking keys is {@link ApiKeyAuthorizer}'s, the gateway's too.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly logger = new Logger('api-keys');
  private readonly authorizer: ApiKeyAuthorizer;

  constructor(
    private readonly reflector: Reflector,
    keys: ApiKeyRepository,
    @Inject(APP_CONFIG) config: RateLimitSettings,
  ) {
    this.authorizer = new ApiKeyAuthorizer(keys, config.rateLimit);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // Stream consumers are Nest handlers too; their messages are authenticated by NATS.
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const scopes = this.reflector.getAllAndOverride<ApiScope[] | undefined>(SCOPES, targets);
    if (!scopes) {
      this.logger.error(
        `${context.getClass().name}.${context.getHandler().name} declares no scope`,
      );
      throw new ApiError(403, 'this route declares no scope, so no key may call it');
    }
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const presented = presentedKey(request.headers.authorization, request.headers['x-api-key']);
    try {
      request.apiKey = await this.authorizer.authorize(presented, scopes);
    } catch (error) {
      if (!(error instanceof AccessDenied)) throw error;
      throw new ApiError(STATUS[error.failure], error.message, undefined, error.retryAfterSeconds);
    }
    return true;
  }
}

/** Installs {@link ApiKeyGuard} on every route of the module's app: `providers: [API_KEY_GUARD]`. */
export const API_KEY_GUARD = { provide: APP_GUARD, useClass: ApiKeyGuard };
