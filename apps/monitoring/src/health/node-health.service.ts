import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import {
  PoolHealth,
  type GatewayBeat,
  type HealthTransition,
  type NodeBeat,
  type NodeHealth,
  type SignalName,
} from '@keelson/detection';
import type { MonitoringConfig } from '../config';
import { AlertsService } from '../alerts/alerts.service';
import { monitoringMetrics } from '../metrics/monitoring-metrics';
import { healthEvidence, nodeReport, type NodeReport } from './node-report';

/**
 * Scores the node pool every tick (PoolHealth, from @keelson/detection) and turns its verdicts
 * into alerts: `node.unhealthy` when a node is condemned, resolved with a `node.recovered` notice
 * when it is cleared, resolved without one when it leaves. Alerts that were firing at the last stop
 * seed the scorer, so a restart neither re-raises them nor lets them lapse unproven.
 */
@Injectable()
export class NodeHealthService implements OnModuleInit, OnApplicationShutdown {
  readonly pool: PoolHealth;
  private latest: NodeHealth[] = [];
  private timer?: NodeJS.Timeout;
  /** Monitoring's clock for the scorer: monotonic, so a wall-clock jump condemns nobody. */
  readonly now = () => performance.now();

  constructor(
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: MonitoringConfig,
  ) {
    this.pool = new PoolHealth({
      condemnAfterBeats: config.health.condemnAfterBeats,
      clearAfterMs: config.health.clearAfterMs,
      minCalls: config.health.minCalls,
    });
    monitoringMetrics.report('keelson_monitoring_node_health_score', () =>
      this.latest.map((n) => ({ labels: { node: n.nodeId }, value: n.score })),
    );
    monitoringMetrics.report('keelson_monitoring_node_unhealthy', () =>
      this.latest.map((n) => ({
        labels: { node: n.nodeId },
        value: n.state === 'unhealthy' || n.state === 'recovering' ? 1 : 0,
      })),
    );
  }

  async onModuleInit(): Promise<void> {
    const now = this.now();
    for (const alert of await this.alerts.loaded())
      if (alert.kind === 'node.unhealthy')
        this.pool.seed(alert.target, alert.reasons as SignalName[], now);
    // Heartbeats need a moment to arrive after a start: silence says nothing yet.
    this.pool.suspendSilence(now + 3_000);
    this.timer = setInterval(() => this.tick(), this.config.health.tickMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  nodeBeat(beat: NodeBeat, receivedAt: number, sentAtMs: number): boolean {
    return this.pool.nodeHeartbeat(beat, receivedAt, sentAtMs);
  }

  gatewayBeat(beat: GatewayBeat, receivedAt: number, sentAtMs: number): boolean {
    return this.pool.gatewayHeartbeat(beat, receivedAt, sentAtMs);
  }

  /** Every node as of the last tick. */
  nodes(): NodeReport[] {
    const now = this.now();
    return this.latest.map((n) => nodeReport(n, now));
  }

  /** The last verdicts themselves, for the other detectors (capacity, series). */
  verdicts(): readonly NodeHealth[] {
    return this.latest;
  }

  tick(): void {
    const now = this.now();
    const { nodes, transitions } = this.pool.evaluate(now);
    this.latest = nodes;
    for (const t of transitions) this.apply(t, now);
  }

  private apply(t: HealthTransition, now: number): void {
    if (t.to === 'unhealthy') {
      const evidence = t.health ? healthEvidence(t.health, t.reasons, now) : {};
      this.alerts.book.fire({
        kind: 'node.unhealthy',
        target: t.nodeId,
        severity: 'critical',
        message: `prediction node ${t.nodeId} is unhealthy: ${t.reasons.join(', ')}`,
        reasons: t.reasons,
        evidence,
      });
    } else if (t.to === 'healthy') {
      const evidence = t.health ? healthEvidence(t.health, t.reasons, now) : {};
      const resolved = this.alerts.book.resolve(
        'node.unhealthy',
        t.nodeId,
        `prediction node ${t.nodeId} recovered`,
        evidence,
      );
      this.alerts.book.notice({
        kind: 'node.recovered',
        target: t.nodeId,
        severity: 'info',
        message: `prediction node ${t.nodeId} recovered from ${t.reasons.join(', ')}`,
        reasons: t.reasons,
        evidence: { ...evidence, ...(resolved && { resolvedAlert: resolved._id }) },
      });
    } else {
      this.alerts.book.resolve(
        'node.unhealthy',
        t.nodeId,
        `prediction node ${t.nodeId} left the pool`,
      );
    }
  }
}
