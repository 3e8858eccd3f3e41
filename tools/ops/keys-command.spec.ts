import { formatKeys } from './keys-command';

describe('./keelson keys', () => {
  it('says whether each key is valid, expiring, expired or revoked', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const base = {
      scopes: ['ingest'],
      ratePerSecond: 0,
      burst: 0,
      createdAt: '2026-11-01T00:00:00Z',
    };
    const text = formatKeys(
      [
        { ...base, id: 'a'.repeat(16), name: 'forever' },
        { ...base, id: 'b'.repeat(16), name: 'later', expiresAt: '2027-01-01T00:00:00Z' },
        { ...base, id: 'c'.repeat(16), name: 'past', expiresAt: '2026-11-30T00:00:00Z' },
        { ...base, id: 'd'.repeat(16), name: 'gone', revokedAt: '2026-11-15T00:00:00Z' },
      ],
      now,
    ).split('\n');
    expect(lines(text)).toEqual([
      'valid',
      'valid until 2027-01-01T00:00:00Z',
      'expired 2026-11-30T00:00:00Z',
      'revoked 2026-11-15T00:00:00Z',
    ]);
  });
});

const lines = (rows: string[]) => rows.slice(1).map((r) => r.split(/\s{2,}/).at(-1));
