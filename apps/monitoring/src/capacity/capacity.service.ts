import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import { CapacityWatch } from '@keelson/detection';
import { type Messaging } from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import { CATALOGUE } from '@keelson/schemas';
import { AlertsService } from '../alerts/alerts.service';
import { SeriesService } from '../anomaly/series.service';
import type { MonitoringConfig } from '../config';
import { monitoringMetrics } from '../metrics/monitoring-metrics';
import { ConsumerBacklogs } from './consumer-backlogs';

interface Watched {
  watch: CapacityWatch;
  seenAt: number;
  latest: number;
}

/**
 * Capacity forecasts on the saturation series: each node's fullest queue against its capacity,
 * and each durable consumer's backlog against MONITORING_BACKLOG_LIMIT. A Holt forecast per
 * series (@keelson/detection) raises `capacity.forecast` when its conservative bound reaches the
 * limit within the horizon, with the forecast in the evidence; it clears with hysteresis. The same
 * poll reads the DLQ's last sequence for the dead-letter inflow series, and its consumer info sets
 * the backlog gauges (pending and ack pending per durable consumer).
 */
@Injectable()
export class CapacityService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('capacity');
  private readonly watches = new Map<string, Watched>();
  private readonly backlogs = new ConsumerBacklogs();
  private timer?: NodeJS.Timeout;
  private polling = false;

  constructor(
    @Inject(MESSAGING) private readonly messaging: Messaging,
    private readonly series: SeriesService,
    private readonly alerts: AlertsService,
    @Inject(APP_CONFIG) private readonly config: MonitoringConfig,
  ) {
    monitoringMetrics.report('keelson_monitoring_consumer_pending', () => this.backlogs.pending());
    monitoringMetrics.report('keelson_monitoring_consumer_ack_pending', () =>
      this.backlogs.ackPending(),
    );
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.poll(), this.config.capacity.pollMs);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Every saturation series with its latest value and whether it is forecast to overflow. */
  list() {
    return [...this.watches].map(([target, w]) => ({
      target,
      latest: w.latest,
      firing: this.alerts.book.isFiring('capacity.forecast', target),
    }));
  }

  async poll(now = Date.now()): Promise<void> {
    if (this.polling) return; // a slow JetStream must not pile up polls
    this.polling = true;
    try {
      for (const beat of this.series.points.latestBeats()) {
        if (now - beat.sentAtMs > 2 * this.config.capacity.pollMs) continue; // a silent node
        const saturations = [...beat.versions.values()]
          .filter((m) => m.queueCapacity > 0)
          .map((m) => m.queueDepth / m.queueCapacity);
        if (saturations.length > 0)
          this.observe(`node:${beat.nodeId}:queue`, 1, Math.max(...saturations), now);
      }
      for (const c of CATALOGUE.consumers) {
        const info = await this.messaging.jsm.consumers.info(c.stream, c.durable).catch(() => null);
        if (!info) continue;
        this.backlogs.observe(c.stream, c.durable, info, now);
        this.observe(
          `consumer:${c.stream}/${c.durable}:backlog`,
          this.config.capacity.backlogLimit,
          info.num_pending + info.num_ack_pending,
          now,
        );
      }
      const dlq = await this.messaging.jsm.streams.info('DLQ').catch(() => null);
      if (dlq) this.series.dlqSequence(dlq.state.last_seq);
      this.forgetSilent(now);
    } catch (error) {
      this.logger.warn(`capacity poll failed: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  private observe(target: string, limit: number, value: number, now: number): void {
    let w = this.watches.get(target);
    if (!w) {
      w = {
        watch: new CapacityWatch({ limit, horizonMs: this.config.capacity.horizonMs }),
        seenAt: now,
        latest: value,
      };
      this.watches.set(target, w);
    }
    w.seenAt = now;
    w.latest = value;
    const verdict = w.watch.update(now, value);
    if (verdict.change === 'fired' && verdict.evidence) {
      const eta = Math.round((verdict.evidence.etaMs ?? 0) / 1_000);
      this.alerts.book.fire({
        kind: 'capacity.forecast',
        target,
        severity: 'warning',
        message: `${target} is forecast to reach its limit of ${limit} in about ${eta} s`,
        reasons: ['forecast-crosses-limit'],
        evidence: { ...verdict.evidence },
      });
    } else if (verdict.change === 'cleared')
      this.alerts.book.resolve(
        'capacity.forecast',
        target,
        `${target} is no longer forecast to overflow`,
      );
  }

  /** Series not seen for ten polls (a node gone, a consumer deleted) are dropped and resolved. */
  private forgetSilent(now: number): void {
    const silenceMs = 10 * this.config.capacity.pollMs;
    for (const [target, w] of this.watches)
      if (now - w.seenAt > silenceMs) {
        this.watches.delete(target);
        this.alerts.book.resolve('capacity.forecast', target, `${target} is no longer watched`);
      }
    this.backlogs.forgetSilent(now, silenceMs);
  }
}
