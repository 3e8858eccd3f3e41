import { InferenceError, type InferenceErrorCode } from '@keelson/inference';
import { AccessDenied as Refused, type AccessFailure } from '@keelson/service-kit';

const CODE: Record<AccessFailure, InferenceErrorCode> = {
  UNAUTHENTICATED: 'UNAUTHENTICATED', // HTTP 401
  PERMISSION_DENIED: 'PERMISSION_DENIED', // HTTP 403
  RATE_LIMITED: 'RESOURCE_EXHAUSTED', // HTTP 429, gRPC RESOURCE_EXHAUSTED
  UNAVAILABLE: 'UNAVAILABLE', // HTTP 503: the keys cannot be checked
};

/** A request refused at the door, answered over REST and gRPC like any InferenceError. */
export class AccessDenied extends InferenceError {
  constructor(
    readonly failure: AccessFailure,
    message: string,
    /** For 429 and 503: when to retry (the REST `retry-after` header). */
    readonly retryAfterSeconds?: number,
  ) {
    super(CODE[failure], message);
    this.name = 'AccessDenied';
  }

  /** The shared authorizer's refusal, in the inference protocol's terms. */
  static from(refused: Refused): AccessDenied {
    return new AccessDenied(refused.failure, refused.message, refused.retryAfterSeconds);
  }
}
