import type {
  CallOutcomes,
  EventData,
  GatewayHeartbeat,
  GatewayNodeView,
  InjectedFaults,
  NodeHeartbeat,
} from '@keelson/schemas';
import { RecentMedian } from './robust';

export type NodeBeat = EventData<typeof NodeHeartbeat>;
export type GatewayBeat = EventData<typeof GatewayHeartbeat>;

/** Calls of one interval: the difference of two heartbeats' counters. */
export interface CallWindow extends CallOutcomes {
  /** Milliseconds between the two heartbeats. */
  spanMs: number;
}

/** What one gateway saw of the node in its latest heartbeat. */
export interface CallerView {
  gatewayId: string;
  receivedAt: number;
  intervalMs: number;
  circuit: GatewayNodeView['circuit'];
  reachable: boolean;
  outstanding: number;
  p99Ms: number;
  /** Attempts since the gateway's previous heartbeat; undefined on its first (or after a reset). */
  window?: { ok: number; nodeFailures: number; timeouts: number };
}

interface ModelLatency {
  p99: RecentMedian;
  updatedAt: number;
}

/**
 * One node's recent past as monitoring needs it: when it was last heard, the calls of its latest
 * interval (from the difference of monotonic counters, so a lost heartbeat loses no calls and a
 * restart is a new baseline, never a negative count), each model's p99 smoothed over the last
 * three intervals, and its callers' views. Fixed-size state per node.
 */
export class TrackedNode {
  /** Monitoring's clock at the latest heartbeat; -Infinity before the first. */
  lastHeardAt = -Infinity;
  intervalMs = 1_000;
  startedAt = '';
  /**
   * What the latest heartbeat said, copied into numbers this object keeps: holding the parsed
   * heartbeat itself would promote a few kilobytes per node per second into V8's old space
   * (measured: 40-50 MB of RSS growth at 200 nodes before each full collection).
   */
  eventLoopLagMs?: number;
  /** The fullest queue among its versions, depth over capacity (undefined: no capacity known). */
  queueSaturation?: number;
  faults?: InjectedFaults;
  window?: CallWindow;
  private previous?: { calls: CallOutcomes; at: number };
  private readonly counts: CallOutcomes = {
    ok: 0,
    clientErrors: 0,
    serverErrors: 0,
    overloaded: 0,
  };
  private readonly latency = new Map<string, ModelLatency>();
  readonly callers = new Map<string, CallerView>();
  private readonly callerCounters = new Map<
    string,
    { startedAt: string; attempts: GatewayNodeView['attempts'] }
  >();

  constructor(readonly nodeId: string) {}

  heartbeat(beat: NodeBeat, receivedAt: number, minCalls: number): void {
    const restarted = beat.startedAt !== this.startedAt;
    const previous = this.previous;
    if (!restarted && previous && !decreased(previous.calls, beat.calls)) {
      this.window = {
        ok: beat.calls.ok - previous.calls.ok,
        clientErrors: beat.calls.clientErrors - previous.calls.clientErrors,
        serverErrors: beat.calls.serverErrors - previous.calls.serverErrors,
        overloaded: beat.calls.overloaded - previous.calls.overloaded,
        spanMs: receivedAt - previous.at,
      };
    } else {
      this.window = undefined; // a new process: its first heartbeat is the baseline
      if (restarted) this.latency.clear();
    }
    Object.assign(this.counts, beat.calls);
    this.previous = { calls: this.counts, at: receivedAt };
    this.startedAt = beat.startedAt;
    this.intervalMs = beat.intervalMs;
    this.lastHeardAt = receivedAt;
    this.eventLoopLagMs = beat.eventLoopLagMs;
    this.faults = beat.faults;
    let saturation: number | undefined;
    for (const m of beat.models)
      if (m.queueCapacity > 0)
        saturation = Math.max(saturation ?? 0, m.queueDepth / m.queueCapacity);
    this.queueSaturation = saturation;
    for (const m of beat.models) {
      if (m.latencyMs.count < minCalls) continue; // a p99 of a handful of calls is their maximum
      let entry = this.latency.get(m.name);
      if (!entry) {
        entry = { p99: new RecentMedian(3), updatedAt: receivedAt };
        this.latency.set(m.name, entry);
      }
      entry.p99.push(m.latencyMs.p99);
      entry.updatedAt = receivedAt;
    }
  }

  caller(gateway: GatewayBeat, view: GatewayNodeView, receivedAt: number): void {
    const before = this.callerCounters.get(gateway.gatewayId);
    const fresh = before?.startedAt === gateway.startedAt;
    const a = view.attempts;
    const window =
      fresh && a.ok >= before.attempts.ok && a.nodeFailures >= before.attempts.nodeFailures
        ? {
            ok: a.ok - before.attempts.ok,
            nodeFailures: a.nodeFailures - before.attempts.nodeFailures,
            timeouts: Math.max(0, a.timeouts - before.attempts.timeouts),
          }
        : undefined;
    this.callerCounters.set(gateway.gatewayId, {
      startedAt: gateway.startedAt,
      attempts: { ok: a.ok, nodeFailures: a.nodeFailures, timeouts: a.timeouts, other: a.other },
    });
    // Updated in place, for the same reason as the node's own figures.
    const caller = this.callers.get(gateway.gatewayId) ?? { gatewayId: gateway.gatewayId };
    Object.assign(caller, {
      receivedAt,
      intervalMs: gateway.intervalMs,
      circuit: view.circuit,
      reachable: view.reachable,
      outstanding: view.outstanding,
      p99Ms: view.latencyMs.p99,
      window,
    });
    this.callers.set(gateway.gatewayId, caller as CallerView);
  }

  /** Callers heard from within three of their intervals (a gateway that stopped says nothing). */
  currentCallers(now: number): CallerView[] {
    const current: CallerView[] = [];
    for (const [id, view] of this.callers) {
      if (now - view.receivedAt <= 3 * view.intervalMs + 500) current.push(view);
      else if (now - view.receivedAt > 60_000) {
        this.callers.delete(id);
        this.callerCounters.delete(id);
      }
    }
    return current;
  }

  /** Each model's smoothed p99, if measured within the last three intervals. */
  p99ByModel(now: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const [model, entry] of this.latency) {
      const value = entry.p99.value;
      if (value !== undefined && now - entry.updatedAt <= 3 * this.intervalMs + 500)
        out.set(model, value);
    }
    return out;
  }
}

function decreased(before: CallOutcomes, now: CallOutcomes): boolean {
  return (
    now.ok < before.ok ||
    now.clientErrors < before.clientErrors ||
    now.serverErrors < before.serverErrors ||
    now.overloaded < before.overloaded
  );
}
