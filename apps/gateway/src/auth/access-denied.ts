import { InferenceError, type InferenceErrorCode } from '@keelson/inference';

export type AccessFailure = 'UNAUTHENTICATED' | 'PERMISSION_DENIED' | 'RATE_LIMITED';

const CODE: Record<AccessFailure, InferenceErrorCode> = {
  UNAUTHENTICATED: 'UNAUTHENTICATED', // HTTP 401
  PERMISSION_DENIED: 'PERMISSION_DENIED', // HTTP 403
  RATE_LIMITED: 'RESOURCE_EXHAUSTED', // HTTP 429, gRPC RESOURCE_EXHAUSTED
};

/** A request refused at the door, answered over REST and gRPC like any InferenceError. */
export class AccessDenied extends InferenceError {
  constructor(
    readonly failure: AccessFailure,
    message: string,
    /** For 429: when the key's bucket has a token again (the REST `retry-after` header). */
    readonly retryAfterSeconds?: number,
  ) {
    super(CODE[failure], message);
    this.name = 'AccessDenied';
  }
}
