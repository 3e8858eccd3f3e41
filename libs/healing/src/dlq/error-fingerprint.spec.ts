import { dlqGroupId, errorFingerprint } from './error-fingerprint';

describe('errorFingerprint', () => {
  it('groups the same failure whatever its ids, numbers, times and values', () => {
    const a = errorFingerprint(
      'insert failed: connection to 127.0.0.1:27017 closed after 5001 ms (record "r-17", event 0190a0a0-0000-7000-8000-000000000001 at 2026-12-01T10:00:00.123Z)',
    );
    const b = errorFingerprint(
      'insert failed: connection to 10.0.0.7:27018 closed after 12 ms (record "x-91", event 0190a0a0-1111-7000-8000-000000000002 at 2026-12-02T11:11:11Z)',
    );
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(a.pattern).toBe(
      'insert failed: connection to <address> closed after <n> ms (record <value>, event <uuid> at <time>)',
    );
    expect(errorFingerprint('invalid event: /data/age: Expected number').fingerprint).not.toBe(
      a.fingerprint,
    );
    expect(a.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names a group by stream, consumer and fingerprint', () => {
    expect(dlqGroupId('INGEST', 'ingestion', 'abc')).toBe('INGEST.ingestion.abc');
  });
});
