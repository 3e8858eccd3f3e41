import type { NodeBeat } from '@keelson/detection';

/** One point of one watched series. */
export interface SeriesPoint {
  series: string;
  value: number;
}

interface ModelCounters {
  ok: number;
  serverErrors: number;
  clientErrors: number;
  overloaded: number;
}

/** One version on one node, as its latest heartbeat told. */
export interface VersionFigures {
  name: string;
  version: number;
  calls: ModelCounters;
  latencyCount: number;
  p99: number;
  queueDepth: number;
  queueCapacity: number;
}

/** What a node last told, kept in place (holding parsed heartbeats would bloat the old space). */
export interface NodeFiguresNow {
  nodeId: string;
  startedAt: string;
  sentAtMs: number;
  versions: Map<string, VersionFigures>;
}

/**
 * Turns heartbeats and record counts into the points of the series an operator watches, one per
 * step: per node and model the request rate, the server-error rate and the p99; per dataset the
 * ingest rate and the rejection rate; the dead-letter inflow. Rates come from differences of
 * monotonic counters between steps (a restart starts a new baseline). A rate over too few calls is
 * no point at all rather than a noisy one.
 */
export class SeriesPoints {
  private readonly nodes = new Map<string, NodeFiguresNow>();
  private readonly stepCounters = new Map<string, { startedAt: string; counters: ModelCounters }>();
  private readonly records = new Map<string, { accepted: number; rejected: number }>();
  private dlqTotal?: number;
  private dlqPrevious?: number;

  constructor(private readonly minCalls: number) {}

  nodeBeat(beat: NodeBeat): void {
    let node = this.nodes.get(beat.nodeId);
    if (!node) {
      node = { nodeId: beat.nodeId, startedAt: '', sentAtMs: 0, versions: new Map() };
      this.nodes.set(beat.nodeId, node);
    }
    node.startedAt = beat.startedAt;
    node.sentAtMs = Date.parse(beat.sentAt);
    const seen = new Set<string>();
    for (const m of beat.models) {
      const key = `${m.name}@${m.version}`;
      seen.add(key);
      let v = node.versions.get(key);
      if (!v) {
        v = {
          name: m.name,
          version: m.version,
          calls: { ...m.calls },
          latencyCount: 0,
          p99: 0,
          queueDepth: 0,
          queueCapacity: 0,
        };
        node.versions.set(key, v);
      }
      Object.assign(v.calls, m.calls);
      v.latencyCount = m.latencyMs.count;
      v.p99 = m.latencyMs.p99;
      v.queueDepth = m.queueDepth;
      v.queueCapacity = m.queueCapacity;
    }
    for (const key of node.versions.keys()) if (!seen.has(key)) node.versions.delete(key);
  }

  forgetNode(nodeId: string): string[] {
    this.nodes.delete(nodeId);
    const gone: string[] = [];
    for (const key of this.stepCounters.keys())
      if (key.startsWith(`${nodeId}\u0000`)) {
        this.stepCounters.delete(key);
        gone.push(key);
      }
    return gone;
  }

  /** What each node last told (for the capacity forecasts). */
  latestBeats(): IterableIterator<NodeFiguresNow> {
    return this.nodes.values();
  }

  countRecords(dataset: string, accepted: number, rejected: number): void {
    const counts = this.records.get(dataset) ?? { accepted: 0, rejected: 0 };
    counts.accepted += accepted;
    counts.rejected += rejected;
    this.records.set(dataset, counts);
  }

  /** The DLQ stream's last sequence as last read: it only grows, whatever ages out. */
  dlqMessages(total: number): void {
    this.dlqTotal = total;
  }

  /** The points of the step that just ended, `stepMs` long. */
  step(stepMs: number): SeriesPoint[] {
    const points: SeriesPoint[] = [];
    const perSecond = 1_000 / stepMs;
    for (const node of this.nodes.values())
      for (const m of node.versions.values()) {
        const key = `${node.nodeId}\u0000${m.name}@${m.version}`;
        const before = this.stepCounters.get(key);
        this.stepCounters.set(key, { startedAt: node.startedAt, counters: { ...m.calls } });
        if (!before || before.startedAt !== node.startedAt || m.calls.ok < before.counters.ok)
          continue;
        const ok = m.calls.ok - before.counters.ok;
        const server = m.calls.serverErrors - before.counters.serverErrors;
        const all =
          ok +
          server +
          (m.calls.clientErrors - before.counters.clientErrors) +
          (m.calls.overloaded - before.counters.overloaded);
        const name = `node:${node.nodeId}:${m.name}`;
        points.push({ series: `${name}:requests_per_second`, value: all * perSecond });
        if (ok + server >= this.minCalls)
          points.push({ series: `${name}:server_error_rate`, value: server / (ok + server) });
        if (m.latencyCount >= this.minCalls)
          points.push({ series: `${name}:p99_ms`, value: m.p99 });
      }
    for (const [dataset, counts] of this.records) {
      const total = counts.accepted + counts.rejected;
      points.push({ series: `dataset:${dataset}:ingest_per_second`, value: total * perSecond });
      if (total >= this.minCalls)
        points.push({
          series: `dataset:${dataset}:rejection_rate`,
          value: counts.rejected / total,
        });
    }
    // A dataset that went quiet is a point of zero, not a missing point: that is the news.
    for (const counts of this.records.values()) counts.accepted = counts.rejected = 0;
    if (this.dlqTotal !== undefined) {
      if (this.dlqPrevious !== undefined && this.dlqTotal >= this.dlqPrevious)
        points.push({
          series: 'dlq:inflow_per_second',
          value: (this.dlqTotal - this.dlqPrevious) * perSecond,
        });
      this.dlqPrevious = this.dlqTotal;
    }
    return points;
  }
}
