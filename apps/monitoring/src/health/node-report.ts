import type { NodeHealth, SignalName } from '@keelson/detection';

/** A node's health as the API, alerts and metrics show it: plain JSON, no Maps or Infinity. */
export function nodeReport(health: NodeHealth, now: number) {
  const f = health.figures;
  const age = Number.isFinite(f.heartbeatAgeMs) ? Math.round(f.heartbeatAgeMs) : null;
  return {
    nodeId: health.nodeId,
    state: health.state,
    score: health.score,
    reasons: health.reasons,
    since: new Date(Date.now() - (now - health.since)).toISOString(),
    figures: {
      heartbeatAgeMs: age,
      callsPerSecond: round(f.callsPerSecond),
      serverErrorRate: round(f.serverErrors?.value),
      overloadedRate: round(f.overloaded?.value),
      queueSaturation: round(f.queueSaturation),
      eventLoopLagMs: round(f.eventLoopLagMs),
      p99ByModel: Object.fromEntries([...f.p99ByModel].map(([m, v]) => [m, round(v)])),
      callers: { ...f.callers, errors: round(f.callers.errors?.value) },
    },
    signals: health.signals,
    ...(health.faults && { faults: health.faults }),
  };
}

export type NodeReport = ReturnType<typeof nodeReport>;

/** What an alert keeps of the verdict: each reason's reading, and the figures. */
export function healthEvidence(health: NodeHealth, reasons: SignalName[], now: number) {
  const report = nodeReport(health, now);
  return {
    score: report.score,
    signals: Object.fromEntries(reasons.map((r) => [r, health.signals[r]])),
    figures: report.figures,
    ...(report.faults && { faults: report.faults }),
  };
}

function round(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) ? null : Math.round(value * 1e4) / 1e4;
}
