import type { DeadLetterState } from '@keelson/persistence';
import { metricsRegistry } from '@keelson/service-kit';
import { recoveryMetrics, type NodeRouting } from './recovery-metrics';

/** What a scrape would show of `name`: each series' labels and value. */
async function scrape(name: string) {
  const metric = metricsRegistry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  return (await metric.get()).values.map(({ labels, value }) => ({ labels, value }));
}

const counts = (c: Partial<Record<DeadLetterState, number>>) => ({
  pending: 0,
  replayed: 0,
  resolved: 0,
  parked: 0,
  archived: 0,
  ...c,
});

describe('recovery metrics', () => {
  const removes: Array<() => void> = [];
  afterEach(() => removes.splice(0).forEach((remove) => remove()));

  it('report the leadership as 1 or 0, and 0 once the leader stopped', async () => {
    let leading = false;
    const remove = recoveryMetrics.leadership(() => leading);
    expect(await scrape('keelson_recovery_leader')).toEqual([{ labels: {}, value: 0 }]);
    leading = true;
    expect(await scrape('keelson_recovery_leader')).toEqual([{ labels: {}, value: 1 }]);
    // A follower started beside it in the same process does not hide it.
    removes.push(recoveryMetrics.leadership(() => false));
    expect(await scrape('keelson_recovery_leader')).toEqual([{ labels: {}, value: 1 }]);
    remove();
    expect(await scrape('keelson_recovery_leader')).toEqual([{ labels: {}, value: 0 }]);
  });

  it("report each node's routing state (1 for its own, 0 for the others), weight and ejections", async () => {
    const nodes: NodeRouting[] = [
      { nodeId: 'n1', routing: { state: 'probation', weight: 0.4, ejections: 2 } },
      { nodeId: 'n2', routing: { state: 'active', weight: 1, ejections: 0 } },
    ];
    removes.push(
      recoveryMetrics.routing(
        () => nodes,
        () => undefined,
      ),
    );
    const states = await scrape('keelson_recovery_node_state');
    expect(states.filter((s) => s.labels.node === 'n1')).toEqual([
      { labels: { node: 'n1', state: 'active' }, value: 0 },
      { labels: { node: 'n1', state: 'probation' }, value: 1 },
      { labels: { node: 'n1', state: 'ejected' }, value: 0 },
      { labels: { node: 'n1', state: 'drained' }, value: 0 },
    ]);
    expect(states.filter((s) => s.value === 1).map((s) => s.labels)).toEqual([
      { node: 'n1', state: 'probation' },
      { node: 'n2', state: 'active' },
    ]);
    expect(await scrape('keelson_recovery_node_weight')).toEqual([
      { labels: { node: 'n1' }, value: 0.4 },
      { labels: { node: 'n2' }, value: 1 },
    ]);
    expect(await scrape('keelson_recovery_node_ejections')).toEqual([
      { labels: { node: 'n1' }, value: 2 },
      { labels: { node: 'n2' }, value: 0 },
    ]);
    // A follower does not plan: it has no holds to report.
    expect(await scrape('keelson_recovery_node_held')).toEqual([]);
  });

  it('report the held nodes of a leader, and drop a node that left', async () => {
    const nodes: NodeRouting[] = [
      { nodeId: 'n1', routing: { state: 'ejected', weight: 0, ejections: 1 } },
      { nodeId: 'n2', routing: { state: 'active', weight: 1, ejections: 0 } },
    ];
    removes.push(
      recoveryMetrics.routing(
        () => nodes,
        () => new Set(['n2']),
      ),
    );
    expect(await scrape('keelson_recovery_node_held')).toEqual([
      { labels: { node: 'n1' }, value: 0 },
      { labels: { node: 'n2' }, value: 1 },
    ]);
    nodes.shift();
    expect((await scrape('keelson_recovery_node_state')).map((s) => s.labels.node)).toEqual([
      'n2',
      'n2',
      'n2',
      'n2',
    ]);
    expect(await scrape('keelson_recovery_node_weight')).toEqual([
      { labels: { node: 'n2' }, value: 1 },
    ]);
  });

  it('sum the groups of a consumer over their fingerprints, every state reported', async () => {
    const groups = [
      { stream: 'INGEST', consumer: 'ingestion', counts: counts({ pending: 3, parked: 1 }) },
      { stream: 'INGEST', consumer: 'ingestion', counts: counts({ pending: 2, resolved: 5 }) },
      { stream: 'RECORDS', consumer: 'preprocessing', counts: counts({ archived: 4 }) },
    ];
    removes.push(recoveryMetrics.dlqGroups(() => groups));
    const entries = await scrape('keelson_recovery_dlq_entries');
    const of = (stream: string, consumer: string) =>
      Object.fromEntries(
        entries
          .filter((s) => s.labels.stream === stream && s.labels.consumer === consumer)
          .map((s) => [s.labels.state, s.value]),
      );
    expect(of('INGEST', 'ingestion')).toEqual({
      pending: 5,
      replayed: 0,
      resolved: 5,
      parked: 1,
      archived: 0,
    });
    expect(of('RECORDS', 'preprocessing')).toEqual(counts({ archived: 4 }));
    expect(entries).toHaveLength(10);
  });

  it('report no dead-letter entries for a replica without groups (a follower)', async () => {
    removes.push(recoveryMetrics.dlqGroups(() => []));
    expect(await scrape('keelson_recovery_dlq_entries')).toEqual([]);
  });

  it('count the dead letters stored per stream and consumer', async () => {
    const stored = async () =>
      (await scrape('keelson_recovery_dlq_stored_total')).filter(
        (s) => s.labels.stream === 'UNIT' && s.labels.consumer === 'c',
      );
    const before = (await stored())[0]?.value ?? 0;
    recoveryMetrics.stored('UNIT', 'c');
    recoveryMetrics.stored('UNIT', 'c');
    expect(await stored()).toEqual([
      { labels: { stream: 'UNIT', consumer: 'c' }, value: before + 2 },
    ]);
  });
});
