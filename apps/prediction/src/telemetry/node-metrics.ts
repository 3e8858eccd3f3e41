import { Counter, Gauge, Histogram } from 'prom-client';
import { metricsRegistry } from '@keelson/service-kit';
import type { CallOutcome } from './call-figures';

/**
 * The node's Prometheus metrics. Label values are bounded by what the node serves: `model` is a
 * model this node knows or `_unknown`, `version` a version it has loaded or `_unknown`, so a
 * client sending made-up names or version strings cannot create series.
 */
export const UNKNOWN = '_unknown';
const OUTCOMES: CallOutcome[] = ['ok', 'client_error', 'server_error', 'overloaded'];

const registers = [metricsRegistry];
const REQUESTS = new Counter({
  name: 'keelson_inference_requests_total',
  help: 'Inference calls by model, served version and outcome (ok, client_error, server_error, overloaded)',
  labelNames: ['model', 'version', 'outcome'],
  registers,
});
const DURATION = new Histogram({
  name: 'keelson_inference_request_duration_seconds',
  help: 'Inference call latency on the node (queue and inference), by model, version and outcome',
  labelNames: ['model', 'version', 'outcome'],
  buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});
const BATCH_ROWS = new Histogram({
  name: 'keelson_inference_batch_rows',
  help: 'Rows per batch sent to an inference worker',
  labelNames: ['model', 'version'],
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024],
  registers,
});
const BATCH_REQUESTS = new Histogram({
  name: 'keelson_inference_batch_requests',
  help: 'Requests joined into one batch',
  labelNames: ['model', 'version'],
  buckets: [1, 2, 4, 8, 16, 32, 64],
  registers,
});
const SAMPLES = new Counter({
  name: 'keelson_prediction_samples_total',
  help: 'Prediction samples for drift monitoring, by result (published, dropped)',
  labelNames: ['result'],
  registers,
});

export interface VersionLoad {
  model: string;
  version: number;
  queueDepth: number;
  queueCapacity: number;
  inFlight: number;
}

/** Where the scrape-time gauges read the versions' queues from (one store per process). */
let loads: () => VersionLoad[] = () => [];
const versionGauge = (name: string, help: string, value: (v: VersionLoad) => number) =>
  new Gauge({
    name,
    help,
    labelNames: ['model', 'version'],
    registers,
    collect() {
      this.reset();
      for (const v of loads()) this.set({ model: v.model, version: String(v.version) }, value(v));
    },
  });
versionGauge('keelson_inference_queue_depth', 'Requests waiting for a worker', (v) => v.queueDepth);
versionGauge(
  'keelson_inference_queue_capacity',
  'Requests the queue holds before refusing',
  (v) => v.queueCapacity,
);
versionGauge('keelson_inference_in_flight', 'Requests on a worker now', (v) => v.inFlight);

const CACHE_LOOKUPS = new Counter({
  name: 'keelson_inference_cache_lookups_total',
  help: 'Response cache look-ups by model and result (hit: answered from memory; miss: inferred)',
  labelNames: ['model', 'result'],
  registers,
});
const CACHE_EVICTIONS = new Counter({
  name: 'keelson_inference_cache_evictions_total',
  help: 'Answers the response cache let go to stay within PREDICTION_CACHE_BYTES',
  registers,
});
const CACHE_BYTES = new Gauge({
  name: 'keelson_inference_cache_bytes',
  help: 'Bytes of answers the response cache holds',
  registers,
});
const CACHE_ENTRIES = new Gauge({
  name: 'keelson_inference_cache_entries',
  help: 'Answers the response cache holds',
  registers,
});

/** The response cache's events as metrics (`model` is a model the node serves). */
export const cacheMetrics = {
  hit: (model: string) => CACHE_LOOKUPS.inc({ model, result: 'hit' }),
  miss: (model: string) => CACHE_LOOKUPS.inc({ model, result: 'miss' }),
  evicted: (count: number) => CACHE_EVICTIONS.inc(count),
  size(bytes: number, entries: number) {
    CACHE_BYTES.set(bytes);
    CACHE_ENTRIES.set(entries);
  },
};

export const nodeMetrics = {
  reportLoads(source: () => VersionLoad[]): void {
    loads = source;
  },
  call(model: string, version: string, outcome: CallOutcome, seconds: number): void {
    REQUESTS.inc({ model, version, outcome });
    DURATION.observe({ model, version, outcome }, seconds);
  },
  batch(model: string, version: number, requests: number, rows: number): void {
    const labels = { model, version: String(version) };
    BATCH_ROWS.observe(labels, rows);
    BATCH_REQUESTS.observe(labels, requests);
  },
  sample(result: 'published' | 'dropped', count = 1): void {
    SAMPLES.inc({ result }, count);
  },
  /** Drops an unloaded version's series, so a node that lives through many versions stays bounded. */
  forget(model: string, version: number): void {
    const labels = { model, version: String(version) };
    for (const outcome of OUTCOMES) {
      REQUESTS.remove({ ...labels, outcome });
      DURATION.remove({ ...labels, outcome });
    }
    BATCH_ROWS.remove(labels);
    BATCH_REQUESTS.remove(labels);
  },
};
