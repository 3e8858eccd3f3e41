import { Gauge, Histogram } from 'prom-client';
import { counter, metricsRegistry } from '@keelson/service-kit';
import type { NodeView } from '../pool/node-pool';

const REQUESTS = counter(
  'keelson_gateway_requests_total',
  'Inference requests answered by the gateway, by model and served version',
  ['model', 'version'],
);
const ERRORS = counter(
  'keelson_gateway_errors_total',
  'Inference requests that failed, by model, version and protocol status',
  ['model', 'version', 'code'],
);
const RETRIES = counter(
  'keelson_gateway_retries_total',
  'Extra attempts sent to another node, by model, version and kind (retry, hedge or rescue)',
  ['model', 'version', 'kind'],
);
const BUDGET_EXHAUSTED = counter(
  'keelson_gateway_retry_budget_exhausted_total',
  'Retries or hedges not sent because the retry budget was spent',
);
const CIRCUITS_OPENED = counter(
  'keelson_gateway_circuits_opened_total',
  'Times a node circuit opened: consecutive failures or slow losses, or a failed connection',
  ['node'],
);
const LATENCY = new Histogram({
  name: 'keelson_gateway_request_duration_seconds',
  help: 'Inference latency seen by the gateway, retries included, by model and served version',
  labelNames: ['model', 'version'],
  buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

const NODE_ATTEMPTS = counter(
  'keelson_gateway_node_attempts_total',
  'Attempts sent to each node, by outcome (ok, node_failure, timeout, slow_loss, other)',
  ['node', 'outcome'],
);
const NODE_LATENCY = new Histogram({
  name: 'keelson_gateway_node_attempt_duration_seconds',
  help: 'Latency of the attempts each node answered, seen by the gateway',
  labelNames: ['node'],
  buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});
const ATTEMPT_OUTCOMES = ['ok', 'node_failure', 'timeout', 'slow_loss', 'other'] as const;
export type ExtraAttemptKind = 'retry' | 'hedge' | 'rescue';

/** Hedge delays in force at scrape time (one per gateway in the process; undefined: off). */
const hedgeDelays = new Set<() => number | undefined>();
new Gauge({
  name: 'keelson_gateway_hedge_delay_seconds',
  help: 'How long a request waits before it is hedged (the pool p95 when auto); 0 when off',
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const delay of hedgeDelays) {
      const ms = delay();
      if (ms !== undefined) this.set(ms / 1_000);
    }
  },
});

/** Registers a gateway's hedge delay with the scrape-time gauge; returns what removes it. */
export function reportHedgeDelay(delay: () => number | undefined): () => void {
  hedgeDelays.add(delay);
  return () => hedgeDelays.delete(delay);
}

/** Pools whose state the gauges report at scrape time (one per gateway in the process). */
const pools = new Set<() => NodeView[]>();
const nodeGauge = (name: string, help: string, value: (n: NodeView) => number | undefined) =>
  new Gauge({
    name,
    help,
    labelNames: ['node'],
    registers: [metricsRegistry],
    collect() {
      this.reset();
      for (const snapshot of pools)
        for (const n of snapshot()) {
          const v = value(n);
          if (v !== undefined) this.set({ node: n.nodeId }, v);
        }
    },
  });
nodeGauge(
  'keelson_gateway_node_outstanding',
  'Requests outstanding per node',
  (n) => n.outstanding,
);
nodeGauge(
  'keelson_gateway_node_concurrency_limit',
  'Requests the node may have outstanding from this gateway (adaptive; absent when off)',
  (n) => n.concurrencyLimit,
);
nodeGauge(
  'keelson_gateway_node_routable',
  '1 when the node takes traffic from this gateway',
  (n) => (n.routable ? 1 : 0),
);
nodeGauge(
  'keelson_gateway_node_circuit_open',
  '1 while the node circuit is open or half-open',
  (n) => (n.circuit === 'closed' ? 0 : 1),
);

/** Registers a pool with the scrape-time gauges; returns the function that removes it. */
export function reportPool(snapshot: () => NodeView[]): () => void {
  pools.add(snapshot);
  return () => pools.delete(snapshot);
}

/** The request metrics, labelled by model and version. */
export const gatewayMetrics = {
  answered(model: string, version: string, seconds: number): void {
    REQUESTS.inc({ model, version });
    LATENCY.observe({ model, version }, seconds);
  },
  failed(model: string, version: string, code: string, seconds: number): void {
    REQUESTS.inc({ model, version });
    ERRORS.inc({ model, version, code });
    LATENCY.observe({ model, version }, seconds);
  },
  retried(model: string, version: string, kind: ExtraAttemptKind): void {
    RETRIES.inc({ model, version, kind });
  },
  budgetExhausted(): void {
    BUDGET_EXHAUSTED.inc();
  },
  circuitOpened(node: string): void {
    CIRCUITS_OPENED.inc({ node });
  },
  nodeAttempt(node: string, outcome: (typeof ATTEMPT_OUTCOMES)[number], seconds: number): void {
    NODE_ATTEMPTS.inc({ node, outcome });
    if (outcome === 'ok') NODE_LATENCY.observe({ node }, seconds);
  },
  /** A node left the pool: its series go too, so node churn cannot grow the metrics forever. */
  forgetNode(node: string): void {
    for (const outcome of ATTEMPT_OUTCOMES) NODE_ATTEMPTS.remove({ node, outcome });
    NODE_LATENCY.remove({ node });
    CIRCUITS_OPENED.remove({ node });
  },
};
