import { status } from '@grpc/grpc-js';

/** The failures a prediction front end reports, each with its HTTP and gRPC status. */
export const INFERENCE_ERROR_CODES = [
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'UNAVAILABLE',
  'RESOURCE_EXHAUSTED',
  'DEADLINE_EXCEEDED',
  'INTERNAL',
  // Not the inference protocol's own, but a front door (the gateway) refuses with them.
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
] as const;
export type InferenceErrorCode = (typeof INFERENCE_ERROR_CODES)[number];

const HTTP_STATUS: Record<InferenceErrorCode, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  UNAVAILABLE: 503,
  RESOURCE_EXHAUSTED: 429,
  DEADLINE_EXCEEDED: 504,
  INTERNAL: 500,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
};

const GRPC_STATUS: Record<InferenceErrorCode, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  UNAVAILABLE: status.UNAVAILABLE,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  DEADLINE_EXCEEDED: status.DEADLINE_EXCEEDED,
  INTERNAL: status.INTERNAL,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
};

/**
 * A failure to tell the caller about, the same over REST and gRPC: the message is what the client
 * sees (REST `{"error": message}`, gRPC status details), so it names the input and the problem.
 */
export class InferenceError extends Error {
  constructor(
    readonly code: InferenceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'InferenceError';
  }

  get httpStatus(): number {
    return HTTP_STATUS[this.code];
  }

  get grpcStatus(): status {
    return GRPC_STATUS[this.code];
  }

  /** The spec's REST error body. */
  toJSON(): { error: string } {
    return { error: this.message };
  }

  /** The error a gRPC status stands for, as a client sees it (unknown statuses are INTERNAL). */
  static fromGrpcStatus(code: number, message: string): InferenceError {
    const known = INFERENCE_ERROR_CODES.find((c) => GRPC_STATUS[c] === code);
    return new InferenceError(known ?? 'INTERNAL', message);
  }
}

/** Shorthand for the commonest failure: a request that breaks the protocol. */
export const invalid = (message: string): InferenceError =>
  new InferenceError('INVALID_ARGUMENT', message);

/**
 * Any thrown value as an InferenceError: unexpected ones become INTERNAL, keeping their message
 * (a stack never leaves the process).
 */
export function toInferenceError(error: unknown): InferenceError {
  if (error instanceof InferenceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InferenceError('INTERNAL', `internal error: ${message}`);
}

/** The REST error body for any thrown value, and its HTTP status. */
export function errorResponseJson(error: unknown): { status: number; body: { error: string } } {
  const failure = toInferenceError(error);
  return { status: failure.httpStatus, body: failure.toJSON() };
}
