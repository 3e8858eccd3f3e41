import { defineConfig, env, rateLimitSettings, serviceSettings } from '@keelson/config';

export const PROMOTION_METRICS = ['auc', 'accuracy', 'f1', 'logLoss', 'brier'] as const;
export type PromotionMetric = (typeof PROMOTION_METRICS)[number];

export const trainingConfig = defineConfig('training', {
  ...serviceSettings('training'),
  http: {
    host: env.string('TRAINING_HOST', { default: '127.0.0.1' }),
    port: env.port('TRAINING_HTTP_PORT', 8083),
    /** Largest ONNX model accepted by the upload endpoint. */
    maxUploadBytes: env.integer('TRAINING_MAX_UPLOAD_BYTES', {
      default: 64 * 1024 * 1024,
      min: 1024,
      max: 1024 * 1024 * 1024,
    }),
  },
  rateLimit: rateLimitSettings('TRAINING', 50),
  jobs: {
    /** Deliveries of a `training.requested` event before the job is marked failed. */
    maxAttempts: env.integer('TRAINING_MAX_ATTEMPTS', { default: 3, min: 1, max: 20 }),
    /** A running job whose worker has not reported for this long lost its worker. */
    leaseMs: env.durationMs('TRAINING_JOB_LEASE', { default: 60_000, min: 1_000 }),
    /** Newest records a job learns from (the training window). */
    maxRows: env.integer('TRAINING_MAX_ROWS', { default: 200_000, min: 10 }),
    /** Share of the window held out for evaluation and promotion decisions. */
    holdoutFraction: env.number('TRAINING_HOLDOUT_FRACTION', { default: 0.2, min: 0.05, max: 0.5 }),
  },
  promotion: {
    metric: env.oneOf('TRAINING_PROMOTION_METRIC', PROMOTION_METRICS, { default: 'auc' }),
    /** How much better than production (in the metric's units) a candidate must score. */
    margin: env.number('TRAINING_PROMOTION_MARGIN', { default: 0.002, min: 0 }),
  },
  /**
   * Retraining policies, `model:dataset:algorithm:everyRows` separated by commas: a job is
   * requested each time `everyRows` more feature rows exist for the dataset.
   */
  policies: env.list('TRAINING_POLICIES', { default: [] }),
  /** How often every policy is checked besides the checks feature events wake. */
  policySweepMs: env.durationMs('TRAINING_POLICY_SWEEP', { default: 15_000, min: 1_000 }),
});

export type TrainingConfig = ReturnType<typeof trainingConfig.load>;
