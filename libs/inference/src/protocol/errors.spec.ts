import { status } from '@grpc/grpc-js';
import {
  errorResponseJson,
  InferenceError,
  INFERENCE_ERROR_CODES,
  toInferenceError,
} from './errors';

describe('InferenceError', () => {
  it.each([
    ['INVALID_ARGUMENT', 400, status.INVALID_ARGUMENT],
    ['NOT_FOUND', 404, status.NOT_FOUND],
    ['UNAVAILABLE', 503, status.UNAVAILABLE],
    ['RESOURCE_EXHAUSTED', 429, status.RESOURCE_EXHAUSTED],
    ['DEADLINE_EXCEEDED', 504, status.DEADLINE_EXCEEDED],
    ['INTERNAL', 500, status.INTERNAL],
    ['UNAUTHENTICATED', 401, status.UNAUTHENTICATED],
    ['PERMISSION_DENIED', 403, status.PERMISSION_DENIED],
  ] as const)('%s is HTTP %d and gRPC status %d', (code, http, grpc) => {
    const error = new InferenceError(code, 'why');
    expect([error.httpStatus, error.grpcStatus]).toEqual([http, grpc]);
    expect(InferenceError.fromGrpcStatus(grpc, 'why')).toEqual(error);
  });

  it('covers every code', () => {
    expect(INFERENCE_ERROR_CODES).toHaveLength(8);
  });

  it("writes the spec's REST error body", () => {
    expect(errorResponseJson(new InferenceError('NOT_FOUND', "unknown model 'x'"))).toEqual({
      status: 404,
      body: { error: "unknown model 'x'" },
    });
    expect(JSON.stringify(new InferenceError('INTERNAL', 'boom'))).toBe('{"error":"boom"}');
  });

  it('treats anything else thrown as INTERNAL, and unknown gRPC statuses too', () => {
    expect(toInferenceError(new TypeError('x is undefined'))).toMatchObject({
      code: 'INTERNAL',
      message: 'internal error: x is undefined',
    });
    expect(InferenceError.fromGrpcStatus(status.UNIMPLEMENTED, 'no').code).toBe('INTERNAL');
  });
});
