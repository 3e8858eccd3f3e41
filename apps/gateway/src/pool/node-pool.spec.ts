import type { NodeTransport } from '../transport/node-transport';
import { NodePool, type NodeRecord } from './node-pool';

class FakeTransport {
  closed = false;
  reachableNow = true;
  constructor(readonly address: string) {}
  reachable() {
    return this.reachableNow;
  }
  close() {
    this.closed = true;
  }
}

const record = (
  nodeId: string,
  models: NodeRecord['models'],
  grpc = `${nodeId}:1`,
): NodeRecord => ({
  nodeId,
  addresses: { http: `http://${nodeId}`, grpc },
  models,
});
const ready = (name: string, version: number, isReady = true) => ({
  name,
  version,
  ready: isReady,
});

function poolOf(now: { t: number }) {
  const transports: FakeTransport[] = [];
  const pool = new NodePool(
    {
      staleAfterMs: 5_000,
      forgetAfterMs: 30_000,
      breaker: { failures: 2, cooldownMs: 1_000, maxCooldownMs: 8_000 },
    },
    {
      addressOf: (r) => r.addresses.grpc,
      create: (address) => {
        const t = new FakeTransport(address);
        transports.push(t);
        return t as unknown as NodeTransport;
      },
    },
    () => now.t,
  );
  return { pool, transports };
}

const ids = (pool: NodePool, target: { model: string; version?: number }) => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const n = pool.pick(target);
    if (n) seen.add(n.id);
  }
  return [...seen].sort();
};

describe('NodePool', () => {
  it('routes a version only to nodes that have it warm', () => {
    const { pool } = poolOf({ t: 0 });
    pool.upsert(record('a', [ready('m', 1), ready('m', 2, false)]));
    pool.upsert(record('b', [ready('m', 1), ready('m', 2)]));
    expect(ids(pool, { model: 'm', version: 2 })).toEqual(['b']);
    expect(ids(pool, { model: 'm', version: 1 })).toEqual(['a', 'b']);
    expect(ids(pool, { model: 'm' })).toEqual(['a', 'b']);
    expect(pool.pick({ model: 'other' })).toBeUndefined();
    expect(pool.knows('m', 2)).toBe(true);
    expect(pool.knows('m', 3)).toBe(false);
  });

  it('takes ejected, drained and zero-weight nodes out of rotation and puts them back', () => {
    const { pool } = poolOf({ t: 0 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) pool.upsert(record(id, [ready('m', 1)]));
    pool.setRouting('a', { state: 'ejected', weight: 0 });
    pool.setRouting('b', { state: 'drained', weight: 0 });
    pool.setRouting('c', { state: 'active', weight: 0 });
    pool.setRouting('e', { state: 'probation', weight: 0.1 });
    expect(ids(pool, { model: 'm' })).toEqual(['d', 'e']);
    pool.setRouting('a', undefined);
    expect(ids(pool, { model: 'm' })).toEqual(['a', 'd', 'e']);
  });

  it('gives a node on probation a share of traffic by its weight (slow start)', () => {
    const { pool } = poolOf({ t: 0 });
    for (const id of ['a', 'b', 'c']) pool.upsert(record(id, [ready('m', 1)]));
    pool.setRouting('c', { state: 'probation', weight: 0.05 });
    const picks = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const node = pool.pick({ model: 'm' })!;
      picks.set(node.id, (picks.get(node.id) ?? 0) + 1);
    }
    // Outstanding counts stay at 0 here, so picks follow the weights: c gets about 0.05/2.05.
    const share = (picks.get('c') ?? 0) / 20_000;
    expect(share).toBeGreaterThan(0.01);
    expect(share).toBeLessThan(0.06);
  });

  it('applies a routing entry that arrived before the node registered', () => {
    const { pool } = poolOf({ t: 0 });
    pool.setRouting('a', { state: 'ejected', weight: 0 });
    pool.upsert(record('a', [ready('m', 1)]));
    pool.upsert(record('b', [ready('m', 1)]));
    expect(ids(pool, { model: 'm' })).toEqual(['b']);
  });

  it('prefers nodes with a closed circuit, a live connection and a recent heartbeat', () => {
    const now = { t: 0 };
    const { pool, transports } = poolOf(now);
    for (const id of ['a', 'b', 'c']) pool.upsert(record(id, [ready('m', 1)]));
    const a = pool.pick({ model: 'm' }, new Set(['b', 'c']))!;
    a.breaker.failure();
    a.breaker.failure(); // open
    transports[1].reachableNow = false; // b
    expect(ids(pool, { model: 'm' })).toEqual(['c']);
    now.t = 6_000;
    pool.seen('b');
    pool.seen('a');
    // c is stale now: b is fresh but unreachable; with no ideal node, any closed circuit will do.
    expect(ids(pool, { model: 'm' })).toEqual(['b', 'c']);
    expect(pool.openCircuits()).toEqual(['a']);
  });

  it('tries open circuits rather than nothing when every circuit is open', () => {
    const { pool } = poolOf({ t: 0 });
    pool.upsert(record('a', [ready('m', 1)]));
    const a = pool.pick({ model: 'm' })!;
    a.breaker.failure();
    a.breaker.failure();
    expect(pool.canServe({ model: 'm' })).toBe(false);
    expect(pool.canServe({ model: 'm' }, true)).toBe(true);
    expect(pool.pick({ model: 'm' })?.id).toBe('a');
  });

  it('probes an open circuit after its cool-down and closes it when the node answers', async () => {
    const now = { t: 0 };
    const { pool } = poolOf(now);
    pool.upsert(record('a', [ready('m', 1)]));
    const a = pool.pick({ model: 'm' })!;
    a.breaker.failure();
    a.breaker.failure();
    const probed: string[] = [];
    const probe = async (n: { id: string }) => {
      probed.push(n.id);
      return true;
    };
    pool.maintain(probe);
    expect(probed).toEqual([]);
    now.t = 1_000;
    pool.seen('a');
    pool.maintain(probe);
    pool.maintain(probe); // half-open: still one probe
    expect(probed).toEqual(['a']);
    await Promise.resolve();
    expect(a.breaker.closed).toBe(true);
  });

  it('opens the circuit of a node whose connection failed, without waiting for requests to fail', () => {
    const { pool, transports } = poolOf({ t: 0 });
    pool.upsert(record('a', [ready('m', 1)]));
    pool.upsert(record('b', [ready('m', 1)]));
    transports[0].reachableNow = false;
    expect(ids(pool, { model: 'm' })).toEqual(['b']); // at once, for the next pick
    const opened: string[] = [];
    pool.maintain(
      async () => false,
      (n) => opened.push(n.id),
    );
    pool.maintain(
      async () => false,
      (n) => opened.push(n.id),
    );
    expect(opened).toEqual(['a']);
    expect(pool.openCircuits()).toEqual(['a']);
  });

  it('reconnects a node that came back on another address, and forgets silent nodes', () => {
    const now = { t: 0 };
    const { pool, transports } = poolOf(now);
    pool.upsert(record('a', [ready('m', 1)], 'a:1'));
    pool.upsert(record('a', [ready('m', 1)], 'a:1'));
    expect(transports).toHaveLength(1); // a refresh keeps the connection
    pool.upsert(record('a', [ready('m', 1)], 'a:2'));
    expect(transports.map((t) => [t.address, t.closed])).toEqual([
      ['a:1', true],
      ['a:2', false],
    ]);
    pool.upsert(record('b', [ready('m', 1)]));
    now.t = 30_001;
    pool.seen('b');
    pool.maintain(async () => true);
    expect(pool.snapshot().map((n) => n.nodeId)).toEqual(['b']);
    expect(transports[1].closed).toBe(true);
  });

  it('keeps every node while it hears from none (its own NATS link is more likely down)', () => {
    const now = { t: 0 };
    const { pool } = poolOf(now);
    pool.upsert(record('a', [ready('m', 1)]));
    pool.upsert(record('b', [ready('m', 1)]));
    now.t = 120_000;
    pool.maintain(async () => true);
    expect(pool.snapshot().map((n) => n.nodeId)).toEqual(['a', 'b']);
    expect(pool.pick({ model: 'm' })).toBeDefined();
  });
});
