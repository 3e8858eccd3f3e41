import { Kvm } from '@nats-io/kv';
import {
  publishTestModel,
  runPredictionNode,
  testNodeHeaders,
  waitFor,
  type TsProcess,
} from '@keelson/testing';
import { recoveryFixture, type RecoveryFixture } from './recovery-fixture';

interface Node {
  nodeId: string;
  process: TsProcess;
  http: string;
}

describe('routing: eject, probe, slow start, the cap, operators, the lease (real nodes, NATS, FerretDB)', () => {
  let f: RecoveryFixture;
  let model: string;
  const nodes: Node[] = [];

  beforeAll(async () => {
    f = await recoveryFixture();
    model = `${f.prefix}model`;
    await publishTestModel(f.messaging.js, model, { production: 1 });
    const registry = await new Kvm(f.messaging.js).open('nodes');
    await Promise.all(
      [1, 2, 3].map(async (n) => {
        const nodeId = `${f.prefix}n${n}`;
        const process = runPredictionNode(nodeId, [model], { PREDICTION_FAULTS: 'on' });
        const http = await waitFor(
          `${nodeId} to register`,
          async () => {
            if (process.child.exitCode !== null) throw new Error(process.errors());
            const e = await registry.get(nodeId);
            const v =
              e?.operation === 'PUT'
                ? e.json<{ addresses: { http: string }; models: Array<{ ready: boolean }> }>()
                : undefined;
            return v?.models.some((m) => m.ready) ? v.addresses.http : undefined;
          },
          { timeoutMs: 90_000, intervalMs: 100 },
        );
        nodes.push({ nodeId, process, http });
      }),
    );
    nodes.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((n) => n.process.kill('SIGTERM')));
    const routing = await new Kvm(f.messaging.js).open('routing');
    for (const n of nodes) await routing.purge(n.nodeId).catch(() => undefined);
    await (await new Kvm(f.messaging.js).open('models')).purge(model).catch(() => undefined);
    await f?.close();
  });

  /** A node's routing as recovery's /metrics exports it (`series`: how many state series). */
  const exportedRouting = async (nodeId: string) => {
    const states = ['active', 'probation', 'ejected', 'drained'];
    const flags = await Promise.all(
      states.map((state) => f.metric('keelson_recovery_node_state', { node: nodeId, state })),
    );
    return {
      series: flags.filter((v) => v !== undefined).length,
      state: states.filter((_, i) => flags[i] === 1).join(','),
      weight: await f.metric('keelson_recovery_node_weight', { node: nodeId }),
      ejections: await f.metric('keelson_recovery_node_ejections', { node: nodeId }),
    };
  };

  const faults = (node: Node, body: object | null) =>
    fetch(`${node.http}/drill/faults`, {
      method: body ? 'PUT' : 'DELETE',
      headers: { 'content-type': 'application/json', ...testNodeHeaders() },
      ...(body && { body: JSON.stringify(body) }),
    });

  it('ejects a node on a new alert, earns it back through probes and slow start, and acts on an alert once', async () => {
    const [a] = nodes;
    const alertId = await f.condemn(a.nodeId);
    const ejected = await f.waitForRouting(a.nodeId, 'ejected', (r) => r.state === 'ejected');
    expect(ejected).toMatchObject({
      weight: 0,
      ejections: 1,
      alertId,
      reason: expect.stringContaining('server-errors'),
    });
    expect(Date.parse(ejected.until!) - Date.parse(ejected.since)).toBe(1_000);
    await waitFor(
      'the ejected node to fail its readiness',
      async () => (await fetch(`${a.http}/health/ready`)).status === 503,
    );

    const probation = await f.waitForRouting(
      a.nodeId,
      'on probation',
      (r) => r.state === 'probation',
    );
    expect(probation.weight).toBeCloseTo(0.1, 5);
    await f.waitForRouting(
      a.nodeId,
      'ramping up',
      (r) => r.state === 'probation' && r.weight >= 0.5,
    );
    const active = await f.waitForRouting(a.nodeId, 'active again', (r) => r.state === 'active');
    expect(active).toMatchObject({ weight: 1, ejections: 1, alertId });
    // The alert is still firing (monitoring has not cleared it): it was acted on once.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await f.routingOf(a.nodeId))?.state).toBe('active');

    const { body } = await f.call('GET', `/v1/audit?target=${a.nodeId}`);
    expect(body.audit.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['routing.ejected', 'routing.probation', 'routing.active']),
    );
    await f.condemn(a.nodeId, 'resolved', alertId); // monitoring clears it: the pool is whole again
  });

  it('keeps a node whose probe inference fails out, for longer each time', async () => {
    const [, b] = nodes;
    await faults(b, { errorRate: 1 });
    const alertId = await f.condemn(b.nodeId);
    await f.waitForRouting(b.nodeId, 'ejected', (r) => r.state === 'ejected' && r.ejections === 1);
    const longer = await f.waitForRouting(
      b.nodeId,
      'ejected again',
      (r) => r.state === 'ejected' && r.ejections === 2,
    );
    expect(longer.reason).toContain('3 probes failed in a row');
    expect(longer.reason).toContain('inference');
    expect(Date.parse(longer.until!) - Date.parse(longer.since)).toBe(2_000);
    await faults(b, null);
    await f.waitForRouting(b.nodeId, 'active after healing', (r) => r.state === 'active', 30_000);
    await f.condemn(b.nodeId, 'resolved', alertId);
  }, 60_000);

  it('never ejects more than half of a pool: it holds the rest and raises pool.degraded', async () => {
    const [a, b, c] = nodes;
    // Really sick: the ejected one fails its probes and stays out, so the hold on the other lasts.
    await Promise.all([faults(b, { errorRate: 1 }), faults(c, { errorRate: 1 })]);
    const since = f.alerts.length;
    await f.condemn(b.nodeId);
    await f.condemn(c.nodeId);
    const ejected = await waitFor('one of them ejected', async () => {
      const states = await Promise.all([b, c].map((n) => f.routingOf(n.nodeId)));
      return states.filter((s) => s?.state === 'ejected').length === 1 ? states : undefined;
    });
    const degraded = await waitFor('pool.degraded', () =>
      f.alerts
        .slice(since)
        .find((x) => x.kind === 'pool.degraded' && x.target === model && x.state === 'firing'),
    );
    expect(degraded.severity).toBe('critical');
    const { body } = await f.call('GET', '/v1/nodes');
    const held = body.nodes.filter((n: { held?: string }) => n.held);
    expect(held).toHaveLength(1);
    expect(held[0].held).toContain(`of ${model}`);
    // The leader exports whom it holds: that node 1, the rest of the pool 0.
    await waitFor('the held node exported', async () => {
      const exported = await Promise.all(
        [a, b, c].map((n) => f.metric('keelson_recovery_node_held', { node: n.nodeId })),
      );
      const expected = [a, b, c].map((n) => (n.nodeId === held[0].nodeId ? 1 : 0));
      return JSON.stringify(exported) === JSON.stringify(expected);
    });
    expect(body.pools.find((p: { model: string }) => p.model === model)).toMatchObject({
      size: 3,
      degraded: true,
    });
    expect(ejected.filter((s) => s?.state === 'ejected')).toHaveLength(1);
    expect((await f.routingOf(a.nodeId))?.state).toBe('active');
    await Promise.all([faults(b, null), faults(c, null)]);
    // Both come back (the held one is ejected in its turn once the first is back), the pool heals.
    await Promise.all(
      [b, c].map((n) =>
        f.waitForRouting(
          n.nodeId,
          'active',
          (r) => r.state === 'active' && r.ejections >= 1,
          40_000,
        ),
      ),
    );
  }, 60_000);

  it('lets operators eject, admit and drain a node, audited, and refuses bad requests', async () => {
    const [, , c] = nodes;
    const reader = await f.createKey(['routing:read']);
    expect(
      (await f.call('POST', `/v1/nodes/${c.nodeId}/eject`, { key: reader, body: { reason: 'x' } }))
        .status,
    ).toBe(403);
    expect(
      (await f.call('POST', `/v1/nodes/${c.nodeId}/eject`, { key: null, body: { reason: 'x' } }))
        .status,
    ).toBe(401);
    const noReason = await f.call('POST', `/v1/nodes/${c.nodeId}/eject`, {
      body: { because: 'x' },
    });
    expect(noReason.status).toBe(400);
    expect(noReason.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'because',
      'reason',
    ]);
    expect(
      (await f.call('POST', `/v1/nodes/nope_${f.prefix}/drain`, { body: { reason: 'x' } })).status,
    ).toBe(404);

    const ejected = await f.call('POST', `/v1/nodes/${c.nodeId}/eject`, {
      body: { reason: 'disk replacement' },
    });
    expect(ejected.status).toBe(200);
    expect(ejected.body.routing).toMatchObject({
      state: 'ejected',
      manual: true,
      reason: 'disk replacement',
    });
    // Manual: recovery does not probe it back on its own.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const manual = await f.routingOf(c.nodeId);
    expect(manual?.state).toBe('ejected');
    expect(await exportedRouting(c.nodeId)).toEqual({
      series: 4,
      state: 'ejected',
      weight: 0,
      ejections: manual!.ejections,
    });
    expect(
      (await f.call('POST', `/v1/nodes/${c.nodeId}/admit`, { body: { reason: 'replaced' } })).body
        .routing,
    ).toMatchObject({ state: 'probation' });
    const admitted = await f.waitForRouting(c.nodeId, 'active', (r) => r.state === 'active');
    await waitFor('the active node exported', async () => {
      const exported = await exportedRouting(c.nodeId);
      return exported.state === 'active' && exported.weight === 1 ? exported : undefined;
    });
    expect((await exportedRouting(c.nodeId)).ejections).toBe(admitted.ejections);
    expect(
      (await f.call('POST', `/v1/nodes/${c.nodeId}/drain`, { body: { reason: 'scale down' } })).body
        .routing,
    ).toMatchObject({ state: 'drained', weight: 0 });
    // The replica's own write is in its view at once: the gauges say so without waiting.
    expect((await exportedRouting(c.nodeId)).state).toBe('drained');
    const { body } = await f.call('GET', `/v1/audit?target=${c.nodeId}`);
    const byOperator = body.audit.filter(
      (e: { who: string }) => e.who !== `recovery/${f.prefix}r1`,
    );
    expect(
      byOperator.map((e: { action: string; reason: string }) => `${e.action}:${e.reason}`),
    ).toEqual(
      expect.arrayContaining([
        'routing.ejected:eject: disk replacement',
        'routing.probation:admit: replaced',
        'routing.drained:drain: scale down',
      ]),
    );
    await f.call('POST', `/v1/nodes/${c.nodeId}/admit`, { body: { reason: 'back' } });
    await f.waitForRouting(c.nodeId, 'active', (r) => r.state === 'active');
  }, 60_000);

  it('has one leader among replicas, and another takes over within the lease when it dies', async () => {
    expect(await f.metric('keelson_recovery_leader')).toBe(1);
    const second = await f.addReplica();
    const leaders = async () => {
      const views = await Promise.all(
        f.replicas.map(
          async (r) =>
            (await (
              await fetch(`${r.url}/v1/nodes`, { headers: { authorization: `Bearer ${f.admin}` } })
            ).json()) as { leader: { leading: boolean } },
        ),
      );
      return views.map((v) => v.leader.leading);
    };
    expect(await leaders()).toEqual([true, false]);
    const stoppedAt = Date.now();
    await f.replicas[0].close(); // releases the lease: the fast path of a clean shutdown
    f.replicas.shift();
    await waitFor('the second replica to lead', async () => (await leaders())[0], {
      timeoutMs: 5_000,
      intervalMs: 50,
    });
    expect(Date.now() - stoppedAt).toBeLessThan(3_000);
    expect(f.replicas[0]).toBe(second);
    // The second replica, alone in the process now, exports that it leads.
    expect(await f.metric('keelson_recovery_leader')).toBe(1);
    const [a] = nodes;
    await f.condemn(a.nodeId);
    await f.waitForRouting(
      a.nodeId,
      'ejected by the new leader',
      (r) => r.state === 'ejected' && r.by === `recovery/${f.prefix}r2`,
    );
  }, 30_000);
});
