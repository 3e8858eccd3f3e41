import {
  defineConfig,
  env,
  natsSettings,
  nodeCredentialSettings,
  telemetrySettings,
} from '@keelson/config';
import { hostname } from 'node:os';

/** A prediction node needs NATS only: models, pointers and artifacts all come over JetStream. */
export const predictionConfig = defineConfig('prediction', {
  nodeId: env.string('NODE_ID', {
    default: `prediction-${hostname()}-${process.pid}`,
    pattern: /^[A-Za-z0-9_-]{1,128}$/,
    hint: 'letters, digits, _ and -',
  }),
  nats: natsSettings(),
  telemetry: telemetrySettings(),
  /** Required on every inference call and drill route; the health probes and /metrics are open. */
  credential: nodeCredentialSettings(),
  http: {
    host: env.string('PREDICTION_HOST', { default: '127.0.0.1' }),
    port: env.port('PREDICTION_HTTP_PORT', 8100),
    grpcPort: env.port('PREDICTION_GRPC_PORT', 8200),
    /** The host other processes reach this node at (registered in the `nodes` bucket). */
    advertiseHost: env.string('PREDICTION_ADVERTISE_HOST', { default: '127.0.0.1' }),
    maxBodyBytes: env.integer('PREDICTION_MAX_BODY_BYTES', {
      default: 32 * 1024 * 1024,
      min: 1024,
    }),
  },
  batching: {
    /** Rows one inference may hold (Triton's max_batch_size). */
    maxBatchSize: env.integer('PREDICTION_MAX_BATCH_SIZE', { default: 64, min: 1, max: 65_536 }),
    /** How long the first queued request may wait for companions (Triton's max_queue_delay). */
    maxQueueDelayUs: env.integer('PREDICTION_MAX_QUEUE_DELAY_US', {
      default: 100,
      min: 0,
      max: 10_000_000,
    }),
    /** Requests queued per model version before new ones are refused with 429. */
    maxQueueSize: env.integer('PREDICTION_MAX_QUEUE_SIZE', { default: 512, min: 1 }),
    /**
     * Batches one worker holds at once. 1 (the node's default, unlike the engine's 2) makes
     * requests wait for the running batch and so gather into larger ones: behind HTTP the main
     * thread is the scarce one, and every batch costs it two thread hops (bench predict, c=64:
     * 17,450 req/s at 1 against 13,664 at 2; docs/benchmarks.md).
     */
    batchesPerWorker: env.integer('PREDICTION_BATCHES_PER_WORKER', { default: 1, min: 1, max: 8 }),
    /** Inference worker threads per model version. */
    workers: env.integer('PREDICTION_WORKERS', { default: 1, min: 1, max: 64 }),
  },
  /**
   * The models this node serves (comma-separated); empty serves every model in the `models` bucket.
   * Splits a large catalogue across node pools, and keeps tests to their own models.
   */
  models: env.list('PREDICTION_MODELS', { default: [] }),
  /**
   * The response cache (src/serving/response-cache.ts): identical requests to these models
   * (comma-separated, `*` for all) are answered from memory. Empty (the default): off, because
   * only the model's owner knows whether its answers may be reused (a model that reads the time
   * or randomness may not).
   */
  cache: {
    models: env.list('PREDICTION_CACHE_MODELS', { default: [] }),
    maxBytes: env.integer('PREDICTION_CACHE_BYTES', {
      default: 64 * 1024 * 1024,
      min: 0,
      description: 'the response cache holds at most this many bytes of answers',
    }),
  },
  sampling: {
    /** Share of answered calls whose inputs and outputs go to `predictions.<model>` (drift). */
    rate: env.number('PREDICTION_SAMPLE_RATE', { default: 0.01, min: 0, max: 1 }),
    /** Samples gather this long, per model version, before they leave in one message. */
    flushMs: env.durationMs('PREDICTION_SAMPLE_FLUSH', { default: 1_000, min: 10 }),
    /** Samples per message at most. */
    maxBatch: env.integer('PREDICTION_SAMPLE_BATCH', { default: 100, min: 1, max: 1_000 }),
    /** Samples waiting to be sent at most; beyond it they are dropped and counted. */
    maxPending: env.integer('PREDICTION_SAMPLE_BUFFER', { default: 2_000, min: 1 }),
  },
  /**
   * The drill switch (docs/drills.md): with PREDICTION_FAULTS=on the node serves
   * `/drill/faults`, through which a drill makes it slow, failing or hung. Off, nothing can.
   */
  faults: {
    enabled: env.boolean('PREDICTION_FAULTS', { default: false }),
    latencyMs: env.durationMs('PREDICTION_FAULT_LATENCY', { default: 0 }),
    errorRate: env.number('PREDICTION_FAULT_ERROR_RATE', { default: 0, min: 0, max: 1 }),
    hang: env.boolean('PREDICTION_FAULT_HANG', { default: false }),
  },
  heartbeatMs: env.durationMs('PREDICTION_HEARTBEAT', { default: 1_000, min: 100 }),
});

export type PredictionConfig = ReturnType<typeof predictionConfig.load>;
