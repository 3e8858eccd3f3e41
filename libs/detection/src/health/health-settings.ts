/**
 * The thresholds of node health, with the reasoning behind each default (docs/monitoring.md has
 * the whole story). Times are milliseconds of the monitoring service's own clock.
 */
export interface HealthSettings {
  /**
   * A node whose last heartbeat is older than `missedBeats` of its own intervals plus `graceMs`
   * has stopped: killed, frozen (SIGSTOP) or cut off. At 1 s heartbeats that is 2.5 s, inside the
   * 3 s target for a killed node, and two missed beats never happen to a healthy node by chance.
   */
  missedBeats: number;
  graceMs: number;
  /**
   * A bad signal must hold this many of the node's heartbeat intervals before it condemns: 1.5
   * means two heartbeats in a row (one bad second never condemns a node; two do). A refused
   * connection holds for one interval; stopped heartbeats condemn at once (their own threshold is
   * already two missed beats).
   */
  condemnAfterBeats: number;
  /** Every signal that condemned the node must be good again for this long before it is cleared. */
  clearAfterMs: number;
  /** Calls in a window below which error rates and latency say nothing (neither bad nor good). */
  minCalls: number;
  /** Server errors per call that are bad, when also `errorMargin` above the peers' median. */
  errorRate: number;
  errorMargin: number;
  /** p99 this many times the peers' median p99 (smoothed) is slow... */
  latencyRatio: number;
  /** ...if also this many robust standard deviations above it... */
  latencySpreads: number;
  /** ...and at least this many milliseconds slower (sub-millisecond jitter is not sickness). */
  latencyFloorMs: number;
  /** Queue depth over capacity that is saturated, when the peers' median is under half of it. */
  queueSaturation: number;
  /** Event-loop lag that is bad on its own, and the multiple of the peers' median that is. */
  eventLoopLagMs: number;
  eventLoopLagRatio: number;
  /** Attempts that timed out at the callers within one window that mark a hung node. */
  callerTimeouts: number;
  /** A node silent this long leaves the report (it was scaled down, or renamed). */
  forgetAfterMs: number;
  /** Heartbeats older than this on arrival are ignored (a backlog, or a clock far off). */
  maxHeartbeatAgeMs: number;
}

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = {
  missedBeats: 2,
  graceMs: 500,
  condemnAfterBeats: 1.5,
  clearAfterMs: 5_000,
  minCalls: 10,
  errorRate: 0.05,
  errorMargin: 0.05,
  latencyRatio: 3,
  latencySpreads: 3,
  latencyFloorMs: 5,
  queueSaturation: 0.8,
  eventLoopLagMs: 1_000,
  eventLoopLagRatio: 5,
  callerTimeouts: 3,
  forgetAfterMs: 10 * 60_000,
  maxHeartbeatAgeMs: 30_000,
};
