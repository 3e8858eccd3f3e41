import { Gauge } from 'prom-client';
import { DEAD_LETTER_STATES, type DlqGroup } from '@keelson/persistence';
import { ROUTING_STATES, type RoutingValue } from '@keelson/schemas';
import { counter, metricsRegistry } from '@keelson/service-kit';

/**
 * Recovery's Prometheus metrics. The gauges are read at scrape time from the services that own the
 * figures, each registered with a `report...` call that returns what unregisters it: a stopped
 * service must leave /metrics with it (the integration tests run several replicas, and restart
 * them, in one process). Nothing here queries the database or NATS: the gauges read what recovery
 * keeps in memory anyway. Their labels are bounded: registered nodes, durable consumers, and the
 * fixed routing and dead-letter states.
 *
 * What each replica exports, leader or not: every replica reports `keelson_recovery_leader` (0 on
 * a follower), and every one reports the nodes' routing state, weight and ejections from its own
 * watch of the `routing` bucket, so the pool stays visible while no replica leads (take `max by
 * (node)` across pods). Only the leader reports what only the leader knows: the nodes it holds
 * (`_node_held`, from its last plan) and the dead-letter entries (`_dlq_entries`, from the groups
 * it loaded when it took the lease and keeps current; a follower's copy would be stale, so it has
 * no series), and only the leader takes dead letters in, so only its `_dlq_stored_total` grows.
 */
type Sample = { labels: Record<string, string>; value: number };
type Source = () => Sample[];
const sources = new Map<string, Set<Source>>();

function gauge(name: string, help: string, labelNames: string[]) {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [metricsRegistry],
    collect() {
      // Several services in one process (the tests' replicas) may report the same series: the
      // largest value stands, so a leader among them shows as one.
      const largest = new Map<string, Sample>();
      for (const source of sources.get(name) ?? [])
        for (const s of source()) {
          const key = JSON.stringify(s.labels);
          const known = largest.get(key);
          if (!known || s.value > known.value) largest.set(key, s);
        }
      this.reset();
      for (const s of largest.values()) this.set(s.labels, s.value);
    },
  });
}

function report(name: string, source: Source): () => void {
  const set = sources.get(name) ?? new Set<Source>();
  sources.set(name, set.add(source));
  return () => set.delete(source);
}

gauge('keelson_recovery_leader', '1 while this replica holds the recovery lease and acts', []);
gauge(
  'keelson_recovery_node_state',
  "Each registered node's routing state: 1 for the state it is in, 0 for the others",
  ['node', 'state'],
);
gauge('keelson_recovery_node_weight', 'Share of traffic each registered node may take, 0 to 1', [
  'node',
]);
gauge(
  'keelson_recovery_node_ejections',
  'Times each registered node has been ejected lately (each ejection lasts longer)',
  ['node'],
);
gauge(
  'keelson_recovery_node_held',
  '1 while the leader holds a sick node in rotation because the pool is at its ejection cap',
  ['node'],
);
gauge(
  'keelson_recovery_dlq_entries',
  'Dead-letter entries by stream, consumer and state, as the groups count them',
  ['stream', 'consumer', 'state'],
);
const STORED = counter(
  'keelson_recovery_dlq_stored_total',
  'Dead letters taken in and stored as new entries (redeliveries and failed replays not counted)',
  ['stream', 'consumer'],
);

/** A registered node and its routing entry (the default, active at full weight, if it has none). */
export interface NodeRouting {
  nodeId: string;
  routing: Pick<RoutingValue, 'state' | 'weight' | 'ejections'>;
}

export const recoveryMetrics = {
  leadership(isLeader: () => boolean): () => void {
    return report('keelson_recovery_leader', () => [{ labels: {}, value: isLeader() ? 1 : 0 }]);
  },

  /**
   * The nodes' routing, and the nodes whose ejection the plan holds back: `held` gives undefined
   * when this replica does not plan (it follows), and the held gauge then has no series.
   */
  routing(nodes: () => NodeRouting[], held: () => ReadonlySet<string> | undefined): () => void {
    const removes = [
      report('keelson_recovery_node_state', () =>
        nodes().flatMap(({ nodeId, routing }) =>
          ROUTING_STATES.map((state) => ({
            labels: { node: nodeId, state },
            value: routing.state === state ? 1 : 0,
          })),
        ),
      ),
      report('keelson_recovery_node_weight', () =>
        nodes().map(({ nodeId, routing }) => ({ labels: { node: nodeId }, value: routing.weight })),
      ),
      report('keelson_recovery_node_ejections', () =>
        nodes().map(({ nodeId, routing }) => ({
          labels: { node: nodeId },
          value: routing.ejections,
        })),
      ),
      report('keelson_recovery_node_held', () => {
        const holding = held();
        if (!holding) return [];
        return nodes().map(({ nodeId }) => ({
          labels: { node: nodeId },
          value: holding.has(nodeId) ? 1 : 0,
        }));
      }),
    ];
    return () => removes.forEach((remove) => remove());
  },

  /** Entries per stream, consumer and state, summed over the groups' error fingerprints. */
  dlqGroups(groups: () => Iterable<Pick<DlqGroup, 'stream' | 'consumer' | 'counts'>>): () => void {
    return report('keelson_recovery_dlq_entries', () => {
      const totals = new Map<string, Sample[]>();
      for (const g of groups()) {
        const key = JSON.stringify([g.stream, g.consumer]);
        const samples =
          totals.get(key) ??
          DEAD_LETTER_STATES.map((state) => ({
            labels: { stream: g.stream, consumer: g.consumer, state },
            value: 0,
          }));
        samples.forEach((s, i) => (s.value += g.counts[DEAD_LETTER_STATES[i]] ?? 0));
        totals.set(key, samples);
      }
      return [...totals.values()].flat();
    });
  },

  stored(stream: string, consumer: string): void {
    STORED.inc({ stream, consumer });
  },
};
