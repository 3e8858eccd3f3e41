import { HttpException, HttpStatus } from '@nestjs/common';
import type { FieldReason } from '@keelson/schemas';

/** The one error shape of the HTTP API: `{ "error": "...", "details": [{ "field", "reason" }] }`. */
export class ApiError extends HttpException {
  constructor(
    status: number,
    message: string,
    details?: FieldReason[],
    readonly retryAfterSeconds?: number,
  ) {
    super(details ? { error: message, details } : { error: message }, status);
  }

  static badRequest(message: string, details?: FieldReason[]) {
    return new ApiError(HttpStatus.BAD_REQUEST, message, details);
  }
  static notFound(message: string) {
    return new ApiError(HttpStatus.NOT_FOUND, message);
  }
  static unavailable(message: string, retryAfterSeconds = 2) {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, message, undefined, retryAfterSeconds);
  }
}
