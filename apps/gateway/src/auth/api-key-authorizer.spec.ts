import type { ApiKey } from '@keelson/persistence';
import { ApiKeyAuthorizer } from '@keelson/service-kit';
import { AccessDenied } from './access-denied';
import { PredictionKeys } from './api-key-authorizer';

const form = (id: string) => `kls_${id.padEnd(16, '0')}_${'s'.repeat(43)}`;
const KEYS: Record<string, ApiKey> = {
  [form('1')]: { id: 'p', name: 'predictor', scopes: ['predict'], ratePerSecond: 1, burst: 1 },
  [form('2')]: { id: 't', name: 'trainer', scopes: ['train'], ratePerSecond: 0, burst: 0 },
};

/** The protocol answer a refusal becomes: REST status, gRPC code, Retry-After. */
const answer = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AccessDenied))
    throw new Error(`expected AccessDenied, got ${String(error)}`);
  return { http: error.httpStatus, grpc: error.grpcStatus, retryAfter: error.retryAfterSeconds };
};

describe('PredictionKeys: the shared authorizer in protocol terms', () => {
  let down = false;
  const keys = new PredictionKeys(
    new ApiKeyAuthorizer(
      {
        async verify(presented: string) {
          if (down) throw new Error('connection refused');
          return KEYS[presented] ?? null;
        },
      },
      { defaultPerSecond: 10, defaultBurst: 10 },
      () => 0,
    ),
  );

  it('answers 401/UNAUTHENTICATED, 403/PERMISSION_DENIED and 429/RESOURCE_EXHAUSTED', async () => {
    expect(await answer(keys.authorize(undefined))).toEqual({
      http: 401,
      grpc: 16,
      retryAfter: undefined,
    });
    expect(await answer(keys.authorize(form('9')))).toMatchObject({ http: 401, grpc: 16 });
    expect(await answer(keys.authorize(form('2')))).toMatchObject({ http: 403, grpc: 7 });
    await expect(keys.authorize(form('1'))).resolves.toMatchObject({ id: 'p' });
    expect(await answer(keys.authorize(form('1')))).toEqual({ http: 429, grpc: 8, retryAfter: 1 });
  });

  it('answers 503/UNAVAILABLE when the keys cannot be checked', async () => {
    down = true;
    expect(await answer(keys.authorize(form('3')))).toEqual({ http: 503, grpc: 14, retryAfter: 1 });
    down = false;
  });
});
