import { defineConfig, env, serviceSettings } from '@keelson/config';

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
    maxBatchRecords: env.integer('INGESTION_MAX_BATCH_RECORDS', {
      default: 5_000,
      min: 1,
      max: 10_000,
    }),
  },
  rateLimit: {
    /** Applied to keys created without their own limits. */
    defaultPerSecond: env.integer('INGESTION_RATE_PER_SECOND', { default: 200, min: 1 }),
    defaultBurst: env.integer('INGESTION_RATE_BURST', { default: 400, min: 1 }),
  },
  // Each message is a batch whose handling mostly waits on the database and PubAcks.
  consumer: {
    concurrency: env.integer('INGESTION_CONSUMER_CONCURRENCY', { default: 64, min: 1, max: 1024 }),
  },
});

export type IngestionConfig = ReturnType<typeof ingestionConfig.load>;
