import type { ApiKey } from '@keelson/persistence';
import { AccessDenied, ApiKeyAuthorizer, presentedKey } from './api-key-authorizer';

/** Well-formed keys (`kls_<16 hex>_<43 base64url>`), one per role. */
const form = (id: string) => `kls_${id.padEnd(16, '0')}_${'s'.repeat(43)}`;
const PRESENTED = {
  predictor: form('1'),
  trainer: form('2'),
  admin: form('3'),
  expired: form('4'),
  unknown: form('5'),
};
const KEYS: Record<string, ApiKey> = {
  [PRESENTED.predictor]: {
    id: 'p',
    name: 'predictor',
    scopes: ['predict'],
    ratePerSecond: 2,
    burst: 2,
  },
  [PRESENTED.trainer]: { id: 't', name: 'trainer', scopes: ['train'], ratePerSecond: 0, burst: 0 },
  [PRESENTED.admin]: { id: 'a', name: 'admin', scopes: ['admin'], ratePerSecond: 0, burst: 0 },
  [PRESENTED.expired]: {
    id: 'e',
    name: 'expiring',
    scopes: ['predict'],
    ratePerSecond: 0,
    burst: 0,
    expiresAt: '2026-12-01T12:00:00.000Z',
  },
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
  return { failure: error.failure, retryAfter: error.retryAfterSeconds };
};

describe('ApiKeyAuthorizer', () => {
  let now = 0;
  let wall = Date.parse('2026-12-01T11:59:00Z');
  const settings = { defaultPerSecond: 10, defaultBurst: 10 };
  const authorizer = (keys = store(), extra = {}) =>
    new ApiKeyAuthorizer(
      keys,
      { ...settings, ...extra },
      () => now,
      () => wall,
    );
  beforeEach(() => {
    now = 0;
    wall = Date.parse('2026-12-01T11:59:00Z');
  });

  it('refuses a missing, unknown or malformed key as UNAUTHENTICATED', async () => {
    const keys = store();
    const auth = authorizer(keys);
    expect(await denial(auth.authorize(undefined, 'predict'))).toEqual({
      failure: 'UNAUTHENTICATED',
      retryAfter: undefined,
    });
    expect((await denial(auth.authorize(PRESENTED.unknown, 'predict'))).failure).toBe(
      'UNAUTHENTICATED',
    );
    expect(keys.reads).toBe(1);
    // What cannot be a key is refused without a database read.
    expect((await denial(auth.authorize('nope', 'predict'))).failure).toBe('UNAUTHENTICATED');
    expect(keys.reads).toBe(1);
  });

  it('needs the scope, or one of several; admin passes', async () => {
    const auth = authorizer();
    expect((await denial(auth.authorize(PRESENTED.trainer, 'predict'))).failure).toBe(
      'PERMISSION_DENIED',
    );
    await expect(auth.authorize(PRESENTED.trainer, ['ingest', 'train'])).resolves.toMatchObject({
      id: 't',
    });
    await expect(auth.authorize(PRESENTED.admin, 'predict')).resolves.toMatchObject({ id: 'a' });
  });

  it("rate-limits past the key's rate, with when to retry", async () => {
    const auth = authorizer();
    await auth.authorize(PRESENTED.predictor, 'predict');
    await auth.authorize(PRESENTED.predictor, 'predict');
    expect(await denial(auth.authorize(PRESENTED.predictor, 'predict'))).toEqual({
      failure: 'RATE_LIMITED',
      retryAfter: 1,
    });
    now += 500; // one token back at 2/s
    await expect(auth.authorize(PRESENTED.predictor, 'predict')).resolves.toBeDefined();
  });

  it('stops an expiring key at its expiry, even while it is cached', async () => {
    const auth = authorizer();
    await expect(auth.authorize(PRESENTED.expired, 'predict')).resolves.toMatchObject({ id: 'e' });
    wall = Date.parse('2026-12-01T12:00:00Z');
    expect((await denial(auth.authorize(PRESENTED.expired, 'predict'))).failure).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('reads the database once per key while the cache holds it, however many requests arrive', async () => {
    const keys = store();
    const auth = authorizer(keys, { defaultPerSecond: 1_000, defaultBurst: 1_000 });
    await Promise.all(Array.from({ length: 20 }, () => auth.authorize(PRESENTED.admin, 'predict')));
    await Promise.all(
      Array.from({ length: 20 }, () =>
        auth.authorize(PRESENTED.unknown, 'predict').catch(() => undefined),
      ),
    );
    expect(keys.reads).toBe(2);
    now += 30_001;
    await auth.authorize(PRESENTED.admin, 'predict');
    expect(keys.reads).toBe(3);
  });

  it('bounds the database reads of never-seen keys; known keys are unaffected', async () => {
    const keys = store();
    const auth = authorizer(keys, { lookupsPerSecond: 5 });
    await auth.authorize(PRESENTED.admin, 'predict'); // cached before the flood
    const flood = Array.from({ length: 50 }, (_, i) => form(`f${i.toString(16).padStart(3, '0')}`));
    const failures = await Promise.all(
      flood.map(async (k) => (await denial(auth.authorize(k, 'predict'))).failure),
    );
    expect(keys.reads).toBe(10); // the burst: two seconds' worth
    expect(failures.filter((f) => f === 'RATE_LIMITED')).toHaveLength(41);
    await expect(auth.authorize(PRESENTED.admin, 'predict')).resolves.toMatchObject({ id: 'a' });
    now += 1_000;
    expect((await denial(auth.authorize(PRESENTED.unknown, 'predict'))).failure).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('answers UNAVAILABLE when the key cannot be checked, and lets it in once the database is back', async () => {
    const keys = store();
    const auth = authorizer(keys);
    keys.down = true;
    expect(await denial(auth.authorize(PRESENTED.admin, 'predict'))).toEqual({
      failure: 'UNAVAILABLE',
      retryAfter: 1,
    });
    keys.down = false;
    await expect(auth.authorize(PRESENTED.admin, 'predict')).resolves.toBeDefined();
  });

  it('reads the key from a bearer token or an x-api-key header', () => {
    expect(presentedKey('Bearer kls_1_2')).toBe('kls_1_2');
    expect(presentedKey(undefined, ' kls_3 ')).toBe('kls_3');
    expect(presentedKey('Basic abc')).toBeUndefined();
  });
});
