import { LatencyWindow } from '@keelson/inference';
import type { GatewayNodeView } from '@keelson/schemas';

export type AttemptOutcome = 'ok' | 'node_failure' | 'timeout' | 'slow_loss' | 'other';

/**
 * What this gateway saw of one node's attempts since it started: answered, failed by the node's
 * fault (refused, reset, 5xx), timed out, or refused for reasons that are not the node's (bad
 * input, overload). Callers see what a node's own heartbeat cannot: a hung node keeps
 * heartbeating, but its callers time out.
 *
 * A slow loss (a hedge race the node lost by far while answering nothing: circuit-breaker.ts) is
 * counted as a timeout here: it is one, at the slow-loss limit rather than the attempt timeout.
 * With hedging on, a hung node's calls end that way instead of timing out, and monitoring's
 * caller-timeouts signal must still see it.
 */
export class NodeAttempts {
  ok = 0;
  /** Includes the timeouts. */
  nodeFailures = 0;
  timeouts = 0;
  other = 0;
  private readonly latency: LatencyWindow;

  constructor(windowMs: number) {
    this.latency = new LatencyWindow(2048, windowMs);
  }

  record(outcome: AttemptOutcome, ms: number, now: number): void {
    if (outcome === 'ok') {
      this.ok++;
      this.latency.record(ms, now);
    } else if (outcome === 'other') this.other++;
    else {
      this.nodeFailures++;
      if (outcome !== 'node_failure') this.timeouts++;
    }
  }

  figures(now: number): Pick<GatewayNodeView, 'attempts' | 'latencyMs'> {
    const { count, p50, p95, p99 } = this.latency.percentiles(now);
    const { ok, nodeFailures, timeouts, other } = this;
    return { attempts: { ok, nodeFailures, timeouts, other }, latencyMs: { count, p50, p95, p99 } };
  }
}
