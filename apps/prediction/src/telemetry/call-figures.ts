import { InferenceError, LatencyWindow } from '@keelson/inference';
import type { CallOutcomes, RecentLatency } from '@keelson/schemas';

/** How one call ended, from the node's point of view. */
export type CallOutcome = 'ok' | 'client_error' | 'server_error' | 'overloaded';

/**
 * Whose fault a failed call was. The caller's: a malformed request or a model or version this
 * node does not serve. Overload: the queue was full and the call was refused at once. Everything
 * else (a worker crash, an inference timeout, a model that is unavailable, a 5xx) is the node's
 * own, and only those count against its health: one client sending garbage must not make a
 * healthy node look sick.
 */
export function outcomeOf(error: unknown): CallOutcome {
  if (!(error instanceof InferenceError)) return 'server_error';
  switch (error.code) {
    case 'INVALID_ARGUMENT':
    case 'NOT_FOUND':
    case 'UNAUTHENTICATED':
    case 'PERMISSION_DENIED':
      return 'client_error';
    case 'RESOURCE_EXHAUSTED':
      return 'overloaded';
    default:
      return 'server_error';
  }
}

/** Monotonic counts by outcome since the process started. */
export class OutcomeCounts implements CallOutcomes {
  ok = 0;
  clientErrors = 0;
  serverErrors = 0;
  overloaded = 0;

  add(outcome: CallOutcome): void {
    if (outcome === 'ok') this.ok++;
    else if (outcome === 'client_error') this.clientErrors++;
    else if (outcome === 'server_error') this.serverErrors++;
    else this.overloaded++;
  }

  get total(): number {
    return this.ok + this.clientErrors + this.serverErrors + this.overloaded;
  }

  snapshot(): CallOutcomes {
    const { ok, clientErrors, serverErrors, overloaded } = this;
    return { ok, clientErrors, serverErrors, overloaded };
  }
}

/** A latency window's figures over its recent span, as heartbeats carry them. */
export function recentLatency(window: LatencyWindow, now: number): RecentLatency {
  const { count, p50, p95, p99 } = window.percentiles(now);
  return { count, p50, p95, p99 };
}

interface VersionCalls {
  calls: OutcomeCounts;
  latency: LatencyWindow;
}

/**
 * The node's call figures for its heartbeat: counts by outcome (whole node and per model version)
 * and the latency of recent calls, successful and failed apart (a node failing fast and one
 * timing out are different illnesses). Windows span `windowMs`, the heartbeat interval, so each
 * heartbeat tells about its own second and one slow second shows as exactly one.
 */
export class CallFigures {
  readonly calls = new OutcomeCounts();
  private readonly okLatency: LatencyWindow;
  private readonly failedLatency: LatencyWindow;
  private readonly versions = new Map<string, VersionCalls>();

  constructor(private readonly windowMs: number) {
    this.okLatency = new LatencyWindow(4096, windowMs);
    this.failedLatency = new LatencyWindow(1024, windowMs);
  }

  /** `version` is the loaded version that answered (none when the call named nothing served). */
  record(outcome: CallOutcome, ms: number, now: number, model?: string, version?: number): void {
    this.calls.add(outcome);
    (outcome === 'ok' ? this.okLatency : this.failedLatency).record(ms, now);
    if (model === undefined || version === undefined) return;
    const key = `${model}@${version}`;
    let figures = this.versions.get(key);
    if (!figures) {
      figures = { calls: new OutcomeCounts(), latency: new LatencyWindow(2048, this.windowMs) };
      this.versions.set(key, figures);
    }
    figures.calls.add(outcome);
    if (outcome === 'ok') figures.latency.record(ms, now);
  }

  latency(now: number): { ok: RecentLatency; failed: RecentLatency } {
    return {
      ok: recentLatency(this.okLatency, now),
      failed: recentLatency(this.failedLatency, now),
    };
  }

  /** A version's counts and recent latency (zeros before its first call). */
  version(model: string, version: number, now: number) {
    const figures = this.versions.get(`${model}@${version}`);
    return {
      calls: figures?.calls.snapshot() ?? new OutcomeCounts().snapshot(),
      latencyMs: figures
        ? recentLatency(figures.latency, now)
        : { count: 0, p50: 0, p95: 0, p99: 0 },
    };
  }

  /** Forgets versions no longer served, so a long-lived node's figures stay bounded. */
  retain(served: ReadonlySet<string>): void {
    for (const key of this.versions.keys()) if (!served.has(key)) this.versions.delete(key);
  }
}
