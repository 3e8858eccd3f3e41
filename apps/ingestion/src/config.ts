import { defineConfig, env, serviceSettings, rateLimitSettings } from '@keelson/config';

export const ingestionConfig = defineConfig('ingestion', {
  ...serviceSettings('ingestion'),
  http: {
    host: env.string('INGESTION_HOST', { default: '127.0.0.1' }),
    port: env.port('INGESTION_HTTP_PORT', 8082),
    maxBodyBytes: env.integer('INGESTION_MAX_BODY_BYTES', {
      default: 16 * 1024 * 1024,
      min: 1024,
      max: 512 * 1024 * 1024,
    }),
    /**
     * `adaptive`: concurrent record posts are capped at a limit learnt from their response times
     * (libs/service-kit/src/overload), the excess answered 503 with Retry-After before its body is
     * read; `off`: no cap. Off by default until a bench has measured it on this endpoint (its
     * probes of the no-load latency refuse what is past a quarter of the limit for ~200 ms).
     */
    concurrencyLimit: env.oneOf('INGESTION_CONCURRENCY_LIMIT', ['adaptive', 'off'] as const, {
      default: 'off',
    }),
    maxBatchRecords: env.integer('INGESTION_MAX_BATCH_RECORDS', {
      default: 5_000,
      min: 1,
      max: 10_000,
    }),
  },
  rateLimit: rateLimitSettings('INGESTION', 200),
  consumer: {
    /**
     * Stream messages handled at once. Their handling mostly waits on the batch they joined, so
     * this also bounds how many messages can share a database write. 64 keeps a service under
     * 300 MB with producers that send 100 records per message; producers that send one record per
     * message get larger writes from a higher value (docs/benchmarks.md, bench ingest).
     */
    concurrency: env.integer('INGESTION_CONSUMER_CONCURRENCY', { default: 64, min: 1, max: 4096 }),
    /** Records gathered from stream messages into one database write and one set of events. */
    batchRecords: env.integer('INGESTION_BATCH_RECORDS', { default: 500, min: 1, max: 10_000 }),
    /** How long the first message of a batch waits for others. */
    batchDelayMs: env.durationMs('INGESTION_BATCH_DELAY', { default: 5 }),
  },
});

export type IngestionConfig = ReturnType<typeof ingestionConfig.load>;
