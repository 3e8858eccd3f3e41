import {
  encodeBucketValue,
  readModelPointers,
  readNodeRegistration,
  readRoutingValue,
  RoutingValue,
} from './bucket-values';

const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('bucket values', () => {
  const routing = {
    state: 'ejected',
    weight: 0,
    reason: 'server-errors',
    since: '2026-12-01T10:00:00.000Z',
    ejections: 1,
    until: '2026-12-01T10:00:15.000Z',
  };

  it('reads a valid routing value and refuses a malformed one with the reason, never throwing', () => {
    expect(readRoutingValue(bytes(routing))).toEqual({ ok: true, value: routing });
    expect(readRoutingValue(new TextEncoder().encode('{nope'))).toMatchObject({
      ok: false,
      error: expect.stringContaining('not JSON'),
    });
    const bad = readRoutingValue(bytes({ ...routing, state: 'sick', weight: 3 }));
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toContain('/weight');
  });

  it('refuses to write an invalid value', () => {
    expect(() => encodeBucketValue(RoutingValue, { ...routing, weight: -1 } as never)).toThrow(
      /refusing to write/,
    );
    expect(JSON.parse(encodeBucketValue(RoutingValue, routing as never))).toEqual(routing);
  });

  it('checks nodes and models entries too', () => {
    const node = {
      nodeId: 'n1',
      addresses: { http: 'http://127.0.0.1:1', grpc: '127.0.0.1:2' },
      models: [{ name: 'credit', version: 2, ready: true }],
      startedAt: '2026-12-01T10:00:00.000Z',
      heartbeatAt: '2026-12-01T10:00:01.000Z',
    };
    expect(readNodeRegistration(bytes(node)).ok).toBe(true);
    expect(readNodeRegistration(bytes({ ...node, models: [{ name: 'credit' }] })).ok).toBe(false);
    const pointers = {
      production: 2,
      history: [1],
      artifacts: { '2': 'a'.repeat(64), '1': 'b'.repeat(64) },
      updatedAt: '2026-12-01T10:00:00.000Z',
    };
    expect(readModelPointers(bytes(pointers)).ok).toBe(true);
    expect(readModelPointers(bytes({ ...pointers, artifacts: { two: 'x' } })).ok).toBe(false);
  });
});
