import { UUID_V7_PATTERN, deterministicUuidv7, uuidv7 } from './ids';

describe('uuidv7', () => {
  it('has the v7 layout and sorts by creation time', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7());
    for (const id of ids) expect(id).toMatch(new RegExp(UUID_V7_PATTERN));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('encodes the timestamp in the first 48 bits', () => {
    const ms = Date.UTC(2030, 0, 1);
    const id = uuidv7(ms);
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(ms);
  });
});

describe('deterministicUuidv7', () => {
  it('gives the same fact the same valid v7 id, and different facts different ids', () => {
    const a = deterministicUuidv7(1_700_000_000_000, 'dlq:ORDERS:billing:42');
    expect(a).toMatch(new RegExp(UUID_V7_PATTERN));
    expect(deterministicUuidv7(1_700_000_000_000, 'dlq:ORDERS:billing:42')).toBe(a);
    expect(deterministicUuidv7(1_700_000_000_000, 'dlq:ORDERS:billing:43')).not.toBe(a);
  });
});
