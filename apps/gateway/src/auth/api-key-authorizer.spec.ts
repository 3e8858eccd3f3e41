import type { ApiKey } from '@keelson/persistence';
import { AccessDenied } from './access-denied';
import { ApiKeyAuthorizer, presentedKey } from './api-key-authorizer';

const KEYS: Record<string, ApiKey> = {
  predictor: { id: 'p', name: 'predictor', scopes: ['predict'], ratePerSecond: 2, burst: 2 },
  trainer: { id: 't', name: 'trainer', scopes: ['train'], ratePerSecond: 0, burst: 0 },
  admin: { id: 'a', name: 'admin', scopes: ['admin'], ratePerSecond: 0, burst: 0 },
};

/** A key store that counts its reads; `down` makes it fail like an unreachable database. */
function store() {
  const s = {
    reads: 0,
    down: false,
    async verify(presented: string) {
      s.reads++;
      if (s.down) throw new Error('connection refused');
      return KEYS[presented] ?? null;
    },
  };
  return s;
}

const denial = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AccessDenied))
    throw new Error(`expected AccessDenied, got ${String(error)}`);
  return { http: error.httpStatus, grpc: error.grpcStatus, retryAfter: error.retryAfterSeconds };
};

describe('ApiKeyAuthorizer', () => {
  let now = 0;
  beforeEach(() => (now = 0));

  it('answers 401 / UNAUTHENTICATED for a missing or unknown key', async () => {
    const auth = new ApiKeyAuthorizer(
      store(),
      { defaultPerSecond: 10, defaultBurst: 10 },
      () => now,
    );
    expect(await denial(auth.authorize(undefined))).toEqual({
      http: 401,
      grpc: 16,
      retryAfter: undefined,
    });
    expect((await denial(auth.authorize('nope'))).http).toBe(401);
  });

  it('answers 403 / PERMISSION_DENIED for a key without the predict scope; admin passes', async () => {
    const auth = new ApiKeyAuthorizer(
      store(),
      { defaultPerSecond: 10, defaultBurst: 10 },
      () => now,
    );
    expect(await denial(auth.authorize('trainer'))).toMatchObject({ http: 403, grpc: 7 });
    await expect(auth.authorize('admin')).resolves.toMatchObject({ id: 'a' });
  });

  it("answers 429 / RESOURCE_EXHAUSTED past the key's rate, with when to retry", async () => {
    const auth = new ApiKeyAuthorizer(
      store(),
      { defaultPerSecond: 10, defaultBurst: 10 },
      () => now,
    );
    await auth.authorize('predictor');
    await auth.authorize('predictor');
    expect(await denial(auth.authorize('predictor'))).toEqual({
      http: 429,
      grpc: 8,
      retryAfter: 1,
    });
    now += 500; // one token back at 2/s
    await expect(auth.authorize('predictor')).resolves.toBeDefined();
  });

  it('reads the database once per key while the cache holds it, however many requests arrive', async () => {
    const keys = store();
    const auth = new ApiKeyAuthorizer(
      keys,
      { defaultPerSecond: 1_000, defaultBurst: 1_000 },
      () => now,
    );
    await Promise.all(Array.from({ length: 20 }, () => auth.authorize('admin')));
    await Promise.all(
      Array.from({ length: 20 }, () => auth.authorize('nope').catch(() => undefined)),
    );
    expect(keys.reads).toBe(2);
    now += 30_001;
    await auth.authorize('admin');
    expect(keys.reads).toBe(3);
  });

  it('answers 503 when the key cannot be checked, and 200 once the database is back', async () => {
    const keys = store();
    const auth = new ApiKeyAuthorizer(keys, { defaultPerSecond: 10, defaultBurst: 10 }, () => now);
    keys.down = true;
    await expect(auth.authorize('admin')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      httpStatus: 503,
    });
    keys.down = false;
    await expect(auth.authorize('admin')).resolves.toBeDefined();
  });

  it('reads the key from a bearer token or an x-api-key header', () => {
    expect(presentedKey('Bearer kls_1_2')).toBe('kls_1_2');
    expect(presentedKey(undefined, ' kls_3 ')).toBe('kls_3');
    expect(presentedKey('Basic abc')).toBeUndefined();
  });
});
