import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import { EventPublisher } from '@keelson/messaging';
import { AlertRepository, type AlertRecord } from '@keelson/persistence';
import type { MonitoringConfig } from '../config';
import { monitoringMetrics } from '../metrics/monitoring-metrics';
import { AlertBook, NatsAlertSink, type AlertSink } from '@keelson/service-kit';
import { AlertmanagerWebhook } from './alertmanager-webhook';

/** The kinds monitoring raises; recovery raises the others (pool.degraded, dlq.parked). */
export const MONITORING_ALERT_KINDS = [
  'node.unhealthy',
  'node.recovered',
  'anomaly',
  'capacity.forecast',
  'slo.burn',
  'drift',
];

/**
 * The service's one alert book: stored in MongoDB, published on `alert.<kind>`, and forwarded to
 * an Alertmanager-compatible webhook when one is configured.
 */
@Injectable()
export class AlertsService implements OnApplicationShutdown {
  private readonly logger = new Logger('alerts');
  readonly book: AlertBook;
  private readonly nats: NatsAlertSink;
  private readonly webhook?: AlertmanagerWebhook;
  private loading?: Promise<AlertRecord[]>;

  constructor(
    private readonly repository: AlertRepository,
    publisher: EventPublisher,
    @Inject(APP_CONFIG) config: MonitoringConfig,
  ) {
    this.nats = new NatsAlertSink(publisher, (id, error) =>
      this.logger.error(`could not publish alert ${id} (it is stored; the API shows it): ${error}`),
    );
    const sinks: AlertSink[] = [this.nats];
    if (config.alertmanager.url) {
      this.webhook = new AlertmanagerWebhook(
        {
          url: config.alertmanager.url,
          externalUrl: config.http.externalUrl.replace(/\/$/, ''),
          receiver: config.alertmanager.receiver,
          timeoutMs: 5_000,
          attempts: 5,
          maxQueue: 1_000,
        },
        (result) => monitoringMetrics.notifications.inc({ result }),
      );
      sinks.push(this.webhook);
    }
    this.book = new AlertBook(repository, sinks);
    monitoringMetrics.report('keelson_monitoring_alerts_firing', () => {
      const counts = new Map<string, number>();
      for (const a of this.book.firing()) {
        const key = `${a.kind}\u0000${a.severity}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return [...counts].map(([key, value]) => {
        const [kind, severity] = key.split('\u0000');
        return { labels: { kind, severity }, value };
      });
    });
  }

  /** The alerts that were firing at the last stop, loaded once (callers seed their detectors). */
  loaded(): Promise<AlertRecord[]> {
    this.loading ??= this.book.load(MONITORING_ALERT_KINDS);
    return this.loading;
  }

  get(id: string): Promise<AlertRecord | null> {
    return this.repository.get(id);
  }

  async onApplicationShutdown(): Promise<void> {
    const deadline = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
    await Promise.race([
      Promise.all([this.book.flush(), this.nats.idle(), this.webhook?.idle()]),
      deadline,
    ]);
  }
}
