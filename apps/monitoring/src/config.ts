import { defineConfig, env, rateLimitSettings, serviceSettings } from '@keelson/config';

/**
 * Monitoring: NATS for telemetry, predictions and alerts; the database for alert history and drift
 * references. Every threshold is documented with its reasoning in docs/monitoring.md.
 */
export const monitoringConfig = defineConfig('monitoring', {
  ...serviceSettings('monitoring'),
  http: {
    host: env.string('MONITORING_HOST', { default: '127.0.0.1' }),
    port: env.port('MONITORING_HTTP_PORT', 8084),
    /** The address operators reach this service at: links in forwarded alerts point here. */
    externalUrl: env.url('MONITORING_EXTERNAL_URL', {
      default: 'http://127.0.0.1:8084',
      protocols: ['http', 'https'],
    }),
  },
  rateLimit: rateLimitSettings('MONITORING', 100),
  health: {
    /** How often nodes are scored. Faster than their heartbeats, so a verdict waits on no timer. */
    tickMs: env.durationMs('MONITORING_TICK', { default: 500, min: 50 }),
    /** Heartbeat intervals a bad signal must last (1.5: two heartbeats in a row). */
    condemnAfterBeats: env.number('MONITORING_CONDEMN_AFTER_BEATS', {
      default: 1.5,
      min: 0,
      max: 60,
    }),
    clearAfterMs: env.durationMs('MONITORING_CLEAR_AFTER', { default: 5_000, min: 0 }),
    minCalls: env.integer('MONITORING_MIN_CALLS', { default: 10, min: 1 }),
  },
  series: {
    /** Operational series (rates, error rates, p99s) are cut into points this long. */
    stepMs: env.durationMs('MONITORING_SERIES_STEP', { default: 10_000, min: 100 }),
    /** Series watched at most; beyond it new ones are not watched (and counted). */
    maxSeries: env.integer('MONITORING_MAX_SERIES', { default: 5_000, min: 1 }),
  },
  capacity: {
    /** Alert when a saturation series is forecast to reach its limit within this horizon. */
    horizonMs: env.durationMs('MONITORING_CAPACITY_HORIZON', { default: 15 * 60_000, min: 1_000 }),
    /** Messages a consumer may have waiting before it is out of capacity. */
    backlogLimit: env.integer('MONITORING_BACKLOG_LIMIT', { default: 100_000, min: 1 }),
    /** How often consumer backlogs and the DLQ are read. */
    pollMs: env.durationMs('MONITORING_BACKLOG_POLL', { default: 5_000, min: 100 }),
  },
  slo: {
    /** Per-model objectives as JSON (docs/monitoring.md); empty: 99.9% available, 99% in 250 ms. */
    objectives: env.string('MONITORING_SLOS', { default: '{}' }),
    /** 1 keeps the real windows (1 h, 5 m, 6 h, 30 m, 3 d); 0.001 makes an hour 3.6 s (tests). */
    windowScale: env.number('MONITORING_SLO_WINDOW_SCALE', { default: 1, min: 1e-6, max: 1 }),
    /** Requests a window needs before its burn rate counts: one failure in a quiet hour is not a page. */
    minRequests: env.integer('MONITORING_SLO_MIN_REQUESTS', { default: 20, min: 1 }),
    evaluateMs: env.durationMs('MONITORING_SLO_EVALUATE', { default: 1_000, min: 50 }),
  },
  drift: {
    /** Sampled rows per drift window; a window is judged when it is full... */
    windowRows: env.integer('MONITORING_DRIFT_WINDOW', { default: 1_000, min: 10 }),
    /** ...or this old, if it holds at least the minimum. */
    maxWindowMs: env.durationMs('MONITORING_DRIFT_MAX_WINDOW', { default: 10 * 60_000, min: 100 }),
    minRows: env.integer('MONITORING_DRIFT_MIN_ROWS', { default: 200, min: 10 }),
  },
  console: {
    /** Recovery's API: the console's DLQ groups and replays are read and started through it. */
    recoveryUrl: env.url('MONITORING_RECOVERY_URL', {
      default: 'http://127.0.0.1:8085',
      protocols: ['http', 'https'],
    }),
    /** A call to recovery slower than this is answered 503: the page polls again soon. */
    recoveryTimeoutMs: env.durationMs('MONITORING_RECOVERY_TIMEOUT', { default: 3_000, min: 100 }),
    /** The Jaeger UI trace ids link into (`<url>/trace/<id>`); empty shows them as plain text. */
    jaegerUrl: env.string('MONITORING_JAEGER_URL', { default: 'http://127.0.0.1:16686' }),
  },
  alertmanager: {
    /** An Alertmanager-compatible webhook receiver; empty turns forwarding off. */
    url: env.string('MONITORING_ALERTMANAGER_URL', { default: '' }),
    receiver: env.string('MONITORING_ALERTMANAGER_RECEIVER', { default: 'keelson' }),
  },
});

export type MonitoringConfig = ReturnType<typeof monitoringConfig.load>;
