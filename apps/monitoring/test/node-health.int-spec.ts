import { EventPublisher } from '@keelson/messaging';
import { NodeHeartbeat } from '@keelson/schemas';
import { monitoringFixture, type MonitoringFixture } from './monitoring-fixture';
import { SimulatedPool, waitFor } from '@keelson/testing';

describe('node health and the alert lifecycle (real NATS and FerretDB, simulated nodes)', () => {
  let f: MonitoringFixture;
  let pool: SimulatedPool;

  beforeAll(async () => {
    f = await monitoringFixture();
    pool = new SimulatedPool(
      new EventPublisher(f.messaging.js, 'test/pool'),
      ['a', 'b', 'c'].map((n) => `${f.prefix}${n}`),
      `${f.prefix}model`,
    );
    pool.start();
    await waitFor('three healthy nodes', async () => {
      const { body } = await f.call('GET', '/v1/nodes');
      const ours = (body.nodes as Array<{ nodeId: string; state: string }>).filter((n) =>
        n.nodeId.startsWith(f.prefix),
      );
      return ours.length === 3 && ours.every((n) => n.state === 'healthy');
    });
  });
  afterAll(async () => {
    pool?.stop();
    await f?.close();
  });

  it('raises node.unhealthy for a silent node, once, and resolves it with a notice when it is back', async () => {
    const [, b] = pool.nodeIds;
    pool.set(b, { silent: true });
    const silencedAt = Date.now();
    const fired = await f.waitForEvent(
      'node.unhealthy',
      (e) => e.kind === 'node.unhealthy' && e.target === b,
    );
    expect(fired).toMatchObject({
      state: 'firing',
      severity: 'critical',
      key: `node.unhealthy:${b}`,
    });
    expect(fired.reasons).toContain('missed-heartbeats');
    // Heartbeats every 200 ms: two missed beats and the grace make 0.9 s.
    expect(Date.now() - silencedAt).toBeLessThan(5_000);

    const { body: firing } = await f.call(
      'GET',
      `/v1/alerts?state=firing&kind=node.unhealthy&target=${b}`,
    );
    expect(firing.alerts).toEqual([
      expect.objectContaining({ id: fired.alertId, state: 'firing' }),
    ]);
    const { body: nodes } = await f.call('GET', '/v1/nodes');
    expect(nodes.nodes.find((n: { nodeId: string }) => n.nodeId === b)).toMatchObject({
      state: 'unhealthy',
      reasons: expect.arrayContaining(['missed-heartbeats']),
    });

    pool.set(b, {});
    const resolved = await f.waitForEvent(
      'the resolution',
      (e) => e.kind === 'node.unhealthy' && e.target === b && e.state === 'resolved',
    );
    expect(resolved.alertId).toBe(fired.alertId);
    await f.waitForEvent(
      'the recovery notice',
      (e) => e.kind === 'node.recovered' && e.target === b,
    );
    expect(
      f.events.filter((e) => e.kind === 'node.unhealthy' && e.state === 'firing'),
    ).toHaveLength(1);
    const { body: stored } = await f.call('GET', `/v1/alerts/${fired.alertId}`);
    expect(stored).toMatchObject({ state: 'resolved', endsAt: expect.any(String) });

    await waitFor('the webhook to hear both', () =>
      ['firing', 'resolved'].every((s) =>
        f.webhook.some((w) => w.status === s && w.alerts[0].labels.target === b),
      ),
    );
    expect(f.webhook[0].alerts[0].labels).toMatchObject({ alertname: 'KeelsonNodeUnhealthy' });
  });

  it('condemns a node whose server errors rise, not its peers', async () => {
    const [, , c] = pool.nodeIds;
    pool.set(c, { serverErrorRate: 0.2 });
    const fired = await f.waitForEvent(
      'node.unhealthy for c',
      (e) => e.kind === 'node.unhealthy' && e.target === c,
    );
    expect(fired.reasons).toEqual(expect.arrayContaining(['server-errors']));
    expect(fired.evidence).toMatchObject({ signals: { 'server-errors': { value: 0.2 } } });
    pool.set(c, {});
    await f.waitForEvent('c resolved', (e) => e.target === c && e.state === 'resolved');
  });

  it('reloads firing alerts after a restart: it neither fires again nor forgets them', async () => {
    const [a] = pool.nodeIds;
    pool.set(a, { silent: true });
    const fired = await f.waitForEvent(
      'a condemned',
      (e) => e.kind === 'node.unhealthy' && e.target === a,
    );
    await f.restart();
    // The restarted service scores a few ticks with the node still silent: no second firing.
    await waitFor('the restarted service to score the pool', async () => {
      const { body } = await f.call('GET', '/v1/nodes');
      return (
        body.nodes.find((n: { nodeId: string; state: string }) => n.nodeId === a)?.state ===
        'unhealthy'
      );
    });
    const { body } = await f.call('GET', `/v1/alerts?state=firing&target=${a}`);
    expect(body.alerts.map((x: { id: string }) => x.id)).toEqual([fired.alertId]);
    pool.set(a, {});
    const resolved = await f.waitForEvent(
      'a resolved',
      (e) => e.target === a && e.state === 'resolved',
    );
    expect(resolved.alertId).toBe(fired.alertId);
    expect(f.events.filter((e) => e.target === a && e.state === 'firing')).toHaveLength(1);
  });

  it('counts and skips malformed telemetry, and answers bad requests with clear 4xx', async () => {
    const before = await f.metric('keelson_monitoring_heartbeats_total', { result: 'invalid' });
    f.messaging.nc.publish(
      `telemetry.node.${f.prefix}bad`,
      new TextEncoder().encode('{"not":"an event"}'),
    );
    await new EventPublisher(f.messaging.js, 'test')
      .publish(NodeHeartbeat, { nodeId: `${f.prefix}x` } as never)
      .catch(() => undefined); // refused by the publisher's own validation: never sent
    await waitFor(
      'the invalid heartbeat counted',
      async () =>
        (await f.metric('keelson_monitoring_heartbeats_total', { result: 'invalid' })) > before,
    );

    const bad = await f.call('GET', '/v1/alerts?state=burning&kindd=x&limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'kindd',
      'limit',
      'state',
    ]);
    expect((await f.call('GET', '/v1/alerts/not-an-id')).status).toBe(400);
    expect((await f.call('GET', '/v1/alerts/0190a0a0-0000-7000-8000-000000000001')).status).toBe(
      404,
    );
    expect((await f.call('GET', '/v1/drift/no_such_model')).status).toBe(404);
    expect((await f.call('GET', '/v1/drift/bad%20name')).status).toBe(400);
    expect((await f.call('GET', '/v1/nodes', { key: null })).status).toBe(401);
    const ingestOnly = await f.createKey(['ingest']);
    expect((await f.call('GET', '/v1/nodes', { key: ingestOnly })).status).toBe(403);
    const openapi = await f.call('GET', '/openapi.json', { key: null });
    expect(openapi.body.openapi).toBe('3.1.0');
  });
});
