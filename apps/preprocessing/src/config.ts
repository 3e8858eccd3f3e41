import { defineConfig, env, serviceSettings } from '@keelson/config';

export const preprocessingConfig = defineConfig('preprocessing', {
  ...serviceSettings('preprocessing'),
  http: {
    host: env.string('PREPROCESSING_HOST', { default: '127.0.0.1' }),
    port: env.port('PREPROCESSING_HTTP_PORT', 8086),
  },
  batching: {
    /** Records written per database round trip. */
    maxRecords: env.integer('PREPROCESSING_BATCH_RECORDS', { default: 500, min: 1, max: 10_000 }),
    /** How long a record may wait for its batch to fill. */
    maxDelayMs: env.durationMs('PREPROCESSING_BATCH_DELAY', { default: 20 }),
    /** Messages in flight from JetStream; must cover a few batches for throughput. */
    inFlight: env.integer('PREPROCESSING_IN_FLIGHT', { default: 2_000, min: 1, max: 10_000 }),
  },
  transform: {
    maxCategories: env.integer('PREPROCESSING_MAX_CATEGORIES', {
      default: 64,
      min: 1,
      max: 10_000,
    }),
  },
});

export type PreprocessingConfig = ReturnType<typeof preprocessingConfig.load>;
