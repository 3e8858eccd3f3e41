import { defineConfig, env, rateLimitSettings, serviceSettings } from '@keelson/config';

export const preprocessingConfig = defineConfig('preprocessing', {
  ...serviceSettings('preprocessing'),
  http: {
    host: env.string('PREPROCESSING_HOST', { default: '127.0.0.1' }),
    port: env.port('PREPROCESSING_HTTP_PORT', 8086),
  },
  rateLimit: rateLimitSettings('PREPROCESSING', 50),
  batching: {
    /**
     * Records gathered into one database write (one document per validated event). Larger batches
     * paid off while every row was a document of its own; now they mostly cost memory.
     */
    maxRecords: env.integer('PREPROCESSING_BATCH_RECORDS', { default: 2_000, min: 1, max: 10_000 }),
    /** How long a record may wait for its batch to fill. */
    maxDelayMs: env.durationMs('PREPROCESSING_BATCH_DELAY', { default: 50 }),
    /** Events (of up to 500 records) in flight from JetStream; must cover a few batches. */
    inFlight: env.integer('PREPROCESSING_IN_FLIGHT', { default: 16, min: 1, max: 1_000 }),
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
