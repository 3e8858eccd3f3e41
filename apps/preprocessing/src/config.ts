import { defineConfig, env, serviceSettings } from '@keelson/config';

export const preprocessingConfig = defineConfig('preprocessing', {
  ...serviceSettings('preprocessing'),
  http: {
    host: env.string('PREPROCESSING_HOST', { default: '127.0.0.1' }),
    port: env.port('PREPROCESSING_HTTP_PORT', 8086),
  },
  batching: {
    /**
     * Records written per database round trip. FerretDB's cost is per call as well as per
     * document: bench ingest measured end to end 6,336–7,026 records/s at 1,000 and 8,550–9,027 at
     * 5,000–10,000 (docs/benchmarks.md).
     */
    maxRecords: env.integer('PREPROCESSING_BATCH_RECORDS', { default: 5_000, min: 1, max: 10_000 }),
    /** How long a record may wait for its batch to fill. */
    maxDelayMs: env.durationMs('PREPROCESSING_BATCH_DELAY', { default: 50 }),
    /** Events (of up to 500 records) in flight from JetStream; must cover a few batches. */
    inFlight: env.integer('PREPROCESSING_IN_FLIGHT', { default: 32, min: 1, max: 1_000 }),
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
