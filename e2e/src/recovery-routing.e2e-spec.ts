import type { RoutingValue } from '@keelson/schemas';
import { waitFor } from '@keelson/testing';
import { servingPool, type PoolNode, type ServingPool } from './support/serving-pool';

/**
 * Recovery's targets with every part a real process, under steady load through the gateway with
 * the default settings: monitoring condemns, recovery ejects in the `routing` bucket, probes,
 * slow-starts and re-admits. Each fault is timed from the moment it is made to the routing entry
 * saying `ejected`; client requests are counted throughout.
 */
describe('recovery with real processes: ejection, re-admission, the pool cap', () => {
  let pool: ServingPool;
  let load: ReturnType<ServingPool['load']>;
  const figures: Record<string, unknown> = {};

  beforeAll(async () => {
    pool = await servingPool({ recovery: true });
    load = await pool.underLoad(6);
  }, 240_000);

  afterAll(async () => {
    await load?.stop();
    process.stdout.write(`recovery e2e figures: ${JSON.stringify(figures)}\n`);
    await pool?.close();
  });

  const state = async (n: PoolNode) => (await pool.routing(n.nodeId))?.state ?? 'active';

  // Each case starts from a whole pool: a node a failed case left out would make the cap hold
  // the next victim, and that case would fail for the wrong reason.
  beforeEach(async () => {
    await waitFor(
      'every node active',
      async () => (await Promise.all(pool.nodes.map(state))).every((s) => s === 'active'),
      { timeoutMs: 120_000, intervalMs: 250 },
    );
    await pool.settled();
  }, 200_000);
  async function ejectedWithin(
    victim: PoolNode,
    fault: () => Promise<unknown>,
    limitMs: number,
    name: string,
  ) {
    const failedBefore = load.outcomes.failed.length;
    const okBefore = load.outcomes.ok;
    const at = Date.now();
    await fault();
    const entry = await waitFor(
      `${victim.nodeId} ejected`,
      async () => {
        const r = await pool.routing(victim.nodeId);
        return r?.state === 'ejected' ? r : undefined;
      },
      { timeoutMs: limitMs + 15_000, intervalMs: 20 },
    );
    const delay = Date.now() - at;
    const failed = load.outcomes.failed.length - failedBefore;
    const answered = load.outcomes.ok - okBefore;
    figures[name] = { ejectedAfterMs: delay, failed, answered };
    expect(delay).toBeLessThanOrEqual(limitMs);
    return { entry, failed, answered };
  }

  /** Heals the victim and waits for it to be back at full weight, through probation. */
  async function backAtFullWeight(victim: PoolNode, heal: () => Promise<unknown>, name: string) {
    await heal();
    const healedAt = Date.now();
    const seen = new Set<string>();
    // Every entry recovery wrote on the way back, with its reason: a slow return says why.
    const path: string[] = [];
    const active = await waitFor(
      `${victim.nodeId} back at full weight`,
      async () => {
        const r = await pool.routing(victim.nodeId);
        if (r) seen.add(r.state);
        const step = r && `${r.state} x${r.ejections} (${r.reason})`;
        if (step && !path.at(-1)?.endsWith(step)) path.push(`+${Date.now() - healedAt} ms ${step}`);
        return r?.state === 'active' && r.weight === 1 ? r : undefined;
      },
      { timeoutMs: 70_000, intervalMs: 100 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${describeReturn(path, healedAt, victim)}`);
    });
    const afterMs = Date.now() - healedAt;
    figures[`${name}-back`] = { afterMs, path };
    if (afterMs > 60_000)
      process.stdout.write(`${name}: ${describeReturn(path, healedAt, victim)}\n`);
    expect(seen.has('probation')).toBe(true);
    expect(Date.now() - healedAt).toBeLessThanOrEqual(60_000);
    return active as RoutingValue;
  }

  function describeReturn(path: string[], healedAt: number, victim: PoolNode): string {
    const alerts = pool.alerts
      .filter((a) => a.target === victim.nodeId)
      .map((a) => `${a.at - healedAt} ms ${a.kind} ${a.state} ${a.reasons.join(',')}`);
    return [
      `routing: ${path.join(' | ')}`,
      `alerts about it (ms from the heal): ${alerts.join('; ')}`,
      pool.serviceLogs(),
    ].join('\n');
  }

  it('ejects a SIGKILLed node within 3 s, with zero failed client requests, and takes it back within 60 s', async () => {
    const victim = pool.nodes[0];
    const { failed, answered } = await ejectedWithin(
      victim,
      () => victim.process.kill('SIGKILL'),
      3_000,
      'sigkill',
    );
    expect(failed).toBe(0);
    expect(answered).toBeGreaterThan(0);
    await backAtFullWeight(victim, () => pool.startNode(victim.nodeId), 'sigkill');
    expect(load.outcomes.failed).toEqual([]);
  }, 180_000);

  it('ejects a node serving 20% server errors within 5 s, with under 1% of client requests failing', async () => {
    const victim = pool.nodes[1];
    const before = { ok: load.outcomes.ok, failed: load.outcomes.failed.length };
    await ejectedWithin(victim, () => pool.faults(victim, { errorRate: 0.2 }), 5_000, 'errors20');
    const failed = load.outcomes.failed.length - before.failed;
    const total = load.outcomes.ok - before.ok + failed;
    expect(failed / total).toBeLessThan(0.01);
    await backAtFullWeight(victim, () => pool.faults(victim, null), 'errors20');
  }, 180_000);

  it('ejects a hung node (SIGSTOP) within 10 s, with zero failed client requests', async () => {
    const victim = pool.nodes[2];
    const failedBefore = load.outcomes.failed.length;
    await ejectedWithin(
      victim,
      async () => victim.process.child.kill('SIGSTOP'),
      10_000,
      'sigstop',
    );
    await backAtFullWeight(victim, async () => victim.process.child.kill('SIGCONT'), 'sigstop');
    expect(load.outcomes.failed.length - failedBefore).toBe(0);
  }, 180_000);

  it('with two of three nodes sick, ejects only the capped share and raises pool.degraded', async () => {
    const [a, b, c] = pool.nodes;
    const since = pool.alerts.length;
    const at = Date.now();
    await Promise.all([pool.faults(a, { errorRate: 0.5 }), pool.faults(b, { errorRate: 0.5 })]);
    const degraded = await waitFor(
      'pool.degraded',
      () =>
        pool.alerts.slice(since).find((x) => x.kind === 'pool.degraded' && x.state === 'firing'),
      { timeoutMs: 30_000 },
    ).catch(async (error: Error) => {
      // What each side believed, so a miss can be told from a slow detector.
      const nodes = await fetch(`${pool.recoveryUrl}/v1/nodes`, {
        headers: { authorization: `Bearer ${pool.key}` },
      }).then((r) => r.text());
      const alerts = pool.alerts.slice(since).map((x) => `${x.kind} ${x.state} ${x.target}`);
      throw new Error(`${error.message}\nalerts: ${alerts.join('; ')}\nrecovery: ${nodes}`);
    });
    figures['two-sick'] = { degradedAfterMs: Date.now() - at };
    expect(degraded).toMatchObject({ severity: 'critical', target: pool.model });
    const states = await Promise.all([a, b, c].map(state));
    expect(states.filter((s) => s === 'ejected')).toHaveLength(1);
    expect(await state(c)).toBe('active');
    await Promise.all([pool.faults(a, null), pool.faults(b, null)]);
    await waitFor(
      'both back',
      async () => (await Promise.all([a, b].map(state))).every((s) => s === 'active'),
      { timeoutMs: 90_000, intervalMs: 250 },
    );
  }, 180_000);
});
