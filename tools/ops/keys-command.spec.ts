import { UsageError } from '../demo/cli-args';
import { formatKeys, parseKeysArgs } from './keys-command';

describe('./keelson keys', () => {
  it('turns a create command line into the API request', () => {
    expect(
      parseKeysArgs([
        'create',
        '--name',
        'etl',
        '--scopes',
        'ingest, train',
        '--rate',
        '500',
        '--expires-in',
        '720h',
      ]),
    ).toEqual({
      action: 'create',
      body: { name: 'etl', scopes: ['ingest', 'train'], ratePerSecond: 500, expiresIn: '720h' },
    });
    expect(parseKeysArgs([])).toEqual({ action: 'list' });
    expect(parseKeysArgs(['revoke', '0123456789abcdef'])).toEqual({
      action: 'revoke',
      id: '0123456789abcdef',
    });
  });

  it.each([
    [['create', '--name', 'x'], /--scopes/],
    [
      ['create', '--name', 'x', '--scopes', 'ingest', '--rate', 'fast'],
      /--rate must be an integer/,
    ],
    [['revoke'], /needs a key id/],
    [['rotate'], /unknown keys command/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseKeysArgs(argv)).toThrow(UsageError);
    expect(() => parseKeysArgs(argv)).toThrow(message);
  });

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
