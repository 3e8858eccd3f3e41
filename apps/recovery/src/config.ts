import {
  defineConfig,
  env,
  nodeCredentialSettings,
  rateLimitSettings,
  serviceSettings,
} from '@keelson/config';

/**
 * Recovery: NATS for alerts, routing, the DLQ and replays; the database for dead letters, replay
 * tasks and the audit trail. Timings and their reasons are in docs/recovery.md.
 */
export const recoveryConfig = defineConfig('recovery', {
  ...serviceSettings('recovery'),
  /** The token recovery's probes of prediction nodes carry (a real inference needs it). */
  nodeCredential: nodeCredentialSettings(),
  http: {
    host: env.string('RECOVERY_HOST', { default: '127.0.0.1' }),
    port: env.port('RECOVERY_HTTP_PORT', 8085),
  },
  rateLimit: rateLimitSettings('RECOVERY', 100),
  lease: {
    /** The leader renews its lease a third of this often; a dead one is replaced within it. */
    durationMs: env.durationMs('RECOVERY_LEASE', { default: 6_000, min: 500 }),
  },
  routing: {
    /** How often the leader re-plans node traffic. */
    tickMs: env.durationMs('RECOVERY_TICK', { default: 250, min: 20 }),
    maxEjectedShare: env.number('RECOVERY_MAX_EJECTED_SHARE', { default: 0.5, min: 0, max: 1 }),
    baseEjectionMs: env.durationMs('RECOVERY_BASE_EJECTION', { default: 15_000, min: 100 }),
    maxEjectionMs: env.durationMs('RECOVERY_MAX_EJECTION', { default: 300_000, min: 100 }),
    slowStartMs: env.durationMs('RECOVERY_SLOW_START', { default: 20_000, min: 0 }),
    minWeight: env.number('RECOVERY_MIN_WEIGHT', { default: 0.1, min: 0.01, max: 1 }),
    probeTimeoutMs: env.durationMs('RECOVERY_PROBE_TIMEOUT', { default: 2_000, min: 50 }),
  },
  replay: {
    /** Replays per second of an automatic replay (and the default of an operator's). */
    ratePerSecond: env.integer('RECOVERY_REPLAY_RATE', { default: 100, min: 1 }),
    /** A message that failed again after this many replays is parked for an operator. */
    maxReplays: env.integer('RECOVERY_MAX_REPLAYS', { default: 3, min: 1, max: 100 }),
    /** How long a probe replay may take to be acknowledged by its consumer. */
    probeTimeoutMs: env.durationMs('RECOVERY_REPLAY_PROBE_TIMEOUT', { default: 30_000, min: 100 }),
    /** How often groups waiting for their consumer are checked. */
    checkMs: env.durationMs('RECOVERY_REPLAY_CHECK', { default: 2_000, min: 50 }),
  },
});

export type RecoveryConfig = ReturnType<typeof recoveryConfig.load>;
