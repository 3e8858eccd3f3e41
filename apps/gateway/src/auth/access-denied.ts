import { status } from '@grpc/grpc-js';
import { InferenceError } from '@keelson/inference';

export type AccessFailure = 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'RATE_LIMITED';

const HTTP: Record<AccessFailure, number> = {
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RATE_LIMITED: 429,
};

const GRPC: Record<AccessFailure, status> = {
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  RATE_LIMITED: status.RESOURCE_EXHAUSTED,
};

/**
 * A request refused at the door. The protocol's error codes have no 401 or 403, so this subclass
 * carries its own HTTP and gRPC statuses; the REST routes and the gRPC server read them through
 * `httpStatus` / `grpcStatus` like any InferenceError. (Its `code` is the nearest protocol code.)
 */
export class AccessDenied extends InferenceError {
  constructor(
    readonly failure: AccessFailure,
    message: string,
    /** For 429: when the key's bucket has a token again (the REST `retry-after` header). */
    readonly retryAfterSeconds?: number,
  ) {
    super(failure === 'RATE_LIMITED' ? 'RESOURCE_EXHAUSTED' : 'INVALID_ARGUMENT', message);
    this.name = 'AccessDenied';
  }

  override get httpStatus(): number {
    return HTTP[this.failure];
  }

  override get grpcStatus(): status {
    return GRPC[this.failure];
  }
}
