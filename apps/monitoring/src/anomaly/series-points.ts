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

/**
 * Turns heartbeats and record counts into the points of the series an operator watches, one per
 * step: per node and model the request rate, the server-error rate and the p99; per dataset the
 * ingest rate and the rejection rate; the dead-letter inflow. Rates come from differences of
 * monotonic counters between steps (a restart starts a new baseline). A rate over too few calls is
 * no point at all rather than a noisy one.
 */
export class SeriesPoints {
  private readonly beats = new Map<string, NodeBeat>();
  private readonly stepCounters = new Map<string, { startedAt: string; counters: ModelCounters }>();
  private readonly records = new Map<string, { accepted: number; rejected: number }>();
  private dlqTotal?: number;
  private dlqPrevious?: number;

  constructor(private readonly minCalls: number) {}

  nodeBeat(beat: NodeBeat): void {
    this.beats.set(beat.nodeId, beat);
  }

  forgetNode(nodeId: string): string[] {
    this.beats.delete(nodeId);
    const gone: string[] = [];
    for (const key of this.stepCounters.keys())
      if (key.startsWith(`${nodeId}\u0000`)) {
        this.stepCounters.delete(key);
        gone.push(key);
      }
    return gone;
  }

  /** The latest heartbeat of each node (for the capacity forecasts). */
  latestBeats(): IterableIterator<NodeBeat> {
    return this.beats.values();
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
    for (const beat of this.beats.values())
      for (const m of beat.models) {
        const key = `${beat.nodeId}\u0000${m.name}@${m.version}`;
        const before = this.stepCounters.get(key);
        this.stepCounters.set(key, { startedAt: beat.startedAt, counters: m.calls });
        if (!before || before.startedAt !== beat.startedAt || m.calls.ok < before.counters.ok)
          continue;
        const ok = m.calls.ok - before.counters.ok;
        const server = m.calls.serverErrors - before.counters.serverErrors;
        const all =
          ok +
          server +
          (m.calls.clientErrors - before.counters.clientErrors) +
          (m.calls.overloaded - before.counters.overloaded);
        const name = `node:${beat.nodeId}:${m.name}`;
        points.push({ series: `${name}:requests_per_second`, value: all * perSecond });
        if (ok + server >= this.minCalls)
          points.push({ series: `${name}:server_error_rate`, value: server / (ok + server) });
        if (m.latencyMs.count >= this.minCalls)
          points.push({ series: `${name}:p99_ms`, value: m.latencyMs.p99 });
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
