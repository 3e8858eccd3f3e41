import { Gauge } from 'prom-client';
import { counter, metricsRegistry } from '@keelson/service-kit';

/**
 * Monitoring's own Prometheus metrics. Gauges are read at scrape time from whichever service owns
 * the figures (set with `report`); their label values come from nodes, models, features and series
 * monitoring tracks (and the durable consumers of the catalogue), each of which it forgets when they
 * go, so the series stay bounded.
 */
type Sample = { labels: Record<string, string>; value: number };
const sources = new Map<string, () => Sample[]>();

function gauge(name: string, help: string, labelNames: string[]) {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [metricsRegistry],
    collect() {
      this.reset();
      for (const s of sources.get(name)?.() ?? []) this.set(s.labels, s.value);
    },
  });
}

gauge('keelson_monitoring_node_health_score', 'Health score of each node, 1 healthy, 0 worst', [
  'node',
]);
gauge(
  'keelson_monitoring_node_unhealthy',
  '1 while the node is condemned (unhealthy or recovering)',
  ['node'],
);
gauge('keelson_monitoring_alerts_firing', 'Alerts firing now, by kind and severity', [
  'kind',
  'severity',
]);
gauge(
  'keelson_monitoring_drift_psi',
  'PSI of the latest drift window (feature _score: the score)',
  ['model', 'version', 'feature'],
);
gauge('keelson_monitoring_slo_burn_rate', 'SLO burn rate per window', ['model', 'slo', 'window']);
gauge(
  'keelson_monitoring_slo_error_budget_remaining',
  'Error budget left over the longest window',
  ['model', 'slo'],
);
gauge(
  'keelson_monitoring_consumer_pending',
  'Messages not yet delivered to each durable consumer (JetStream num_pending)',
  ['stream', 'consumer'],
);
gauge(
  'keelson_monitoring_consumer_ack_pending',
  'Messages delivered to each durable consumer and not acknowledged yet (num_ack_pending)',
  ['stream', 'consumer'],
);
gauge('keelson_monitoring_anomaly_score', 'Latest anomaly score of each watched series', [
  'series',
]);

export const monitoringMetrics = {
  /** Makes `name`'s gauge read from `source` at scrape time. */
  report(name: string, source: () => Sample[]): void {
    sources.set(name, source);
  },
  heartbeats: counter(
    'keelson_monitoring_heartbeats_total',
    'Heartbeats received, by source (node, gateway) and result (accepted, stale, invalid)',
    ['source', 'result'],
  ),
  samples: counter(
    'keelson_monitoring_prediction_samples_total',
    'Sampled prediction rows, by result (judged, no-reference, bad-shape)',
    ['result'],
  ),
  notifications: counter(
    'keelson_monitoring_notifications_total',
    'Alert notifications to the webhook, by result (sent, failed, dropped)',
    ['result'],
  ),
  series: counter(
    'keelson_monitoring_series_refused_total',
    'Series not watched because MONITORING_MAX_SERIES was reached',
  ),
};
