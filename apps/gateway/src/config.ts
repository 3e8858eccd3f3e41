import {
  ConfigError,
  defineConfig,
  env,
  nodeCredentialSettings,
  serviceSettings,
  type Env,
  type Setting,
  rateLimitSettings,
} from '@keelson/config';

export const NODE_TRANSPORTS = ['grpc', 'http'] as const;
export type NodeTransportKind = (typeof NODE_TRANSPORTS)[number];

/**
 * When a request still unanswered is also sent to a second node: after the pool's recent p95
 * (`auto`), after a fixed delay, or never (`off`).
 */
export type HedgeAfter = { mode: 'auto' } | { mode: 'off' } | { mode: 'fixed'; ms: number };

/**
 * `GATEWAY_HEDGE_AFTER`: `auto` (the default), `off` (or `0`), or a duration (`20ms`, `0.5s`, or
 * bare milliseconds) that pins the delay.
 */
function hedgeAfter(variable: string): Setting<HedgeAfter> {
  const duration = env.durationMs(variable);
  const reason = 'must be auto, off (or 0), or a duration such as 20ms or 0.5s';
  return {
    variable,
    description: 'hedge after the pool p95 (auto), never (off) or after a fixed delay',
    secret: false,
    read(environment: Env) {
      const raw = environment[variable]?.trim().toLowerCase();
      if (raw === undefined || raw === '' || raw === 'auto')
        return { ok: true, value: { mode: 'auto' } };
      if (raw === 'off') return { ok: true, value: { mode: 'off' } };
      const parsed = duration.read({ [variable]: raw });
      if (!parsed.ok) return { ok: false, reason };
      return {
        ok: true,
        value: parsed.value === 0 ? { mode: 'off' } : { mode: 'fixed', ms: parsed.value },
      };
    },
  };
}

/**
 * The gateway: NATS for the pool, routing and model pointers; the database for API keys only.
 * Timeouts, breaker, retry budget and hedging are documented in docs/gateway.md.
 */
const definition = defineConfig('gateway', {
  ...serviceSettings('gateway'),
  /** The token every call to a prediction node carries (nodes refuse calls without it). */
  nodeCredential: nodeCredentialSettings(),
  http: {
    host: env.string('GATEWAY_HOST', { default: '127.0.0.1' }),
    port: env.port('GATEWAY_HTTP_PORT', 8080),
    grpcPort: env.port('GATEWAY_GRPC_PORT', 8081),
    maxBodyBytes: env.integer('GATEWAY_MAX_BODY_BYTES', {
      default: 32 * 1024 * 1024,
      min: 1024,
    }),
  },
  pool: {
    /**
     * How the gateway calls nodes: gRPC on one HTTP/2 connection per node (Keelson's own HTTP/2,
     * every call of an event-loop turn in one write), or HTTP/1.1 keep-alive to their REST port.
     * gRPC measured as fast or faster at every row of the bench, and cheaper on the nodes
     * (docs/gateway.md, "On 2026-12-04, night").
     */
    transport: env.oneOf('GATEWAY_NODE_TRANSPORT', NODE_TRANSPORTS, { default: 'grpc' }),
    /**
     * Route only to nodes whose id starts with this: one gateway per cell of nodes (and tests
     * that share a NATS server with other tests' nodes). Empty: every node.
     */
    nodeIdPrefix: env.string('GATEWAY_NODE_PREFIX', { default: '' }),
    /** A node unheard of for this long is used only when no fresher node can serve. */
    staleAfterMs: env.durationMs('GATEWAY_NODE_STALE_AFTER', { default: 5_000, min: 500 }),
    /**
     * A node unheard of for this long leaves the pool. The `nodes` bucket's own TTL (30 s) does
     * not tell watchers when an entry expires, so the gateway forgets on its own clock.
     */
    forgetAfterMs: env.durationMs('GATEWAY_NODE_FORGET_AFTER', { default: 30_000, min: 1_000 }),
  },
  timeouts: {
    /** Deadline of a request whose client sets none (REST clients; gRPC without a deadline). */
    requestMs: env.durationMs('GATEWAY_REQUEST_TIMEOUT', { default: 10_000, min: 10 }),
    /** Longest one node may take on one attempt before the gateway tries another. */
    attemptMs: env.durationMs('GATEWAY_ATTEMPT_TIMEOUT', { default: 3_000, min: 10 }),
  },
  breaker: {
    /** Consecutive failures or timeouts that open a node's circuit. */
    failures: env.integer('GATEWAY_BREAKER_FAILURES', { default: 5, min: 1, max: 1_000 }),
    /** First wait before an open circuit is probed; it doubles on each failed probe. */
    cooldownMs: env.durationMs('GATEWAY_BREAKER_COOLDOWN', { default: 2_000, min: 10 }),
    maxCooldownMs: env.durationMs('GATEWAY_BREAKER_MAX_COOLDOWN', { default: 30_000, min: 10 }),
    /** Deadline of the half-open probe (ServerLive). */
    probeTimeoutMs: env.durationMs('GATEWAY_BREAKER_PROBE_TIMEOUT', { default: 1_000, min: 10 }),
  },
  retry: {
    /** Retries and hedges allowed per request over the window (0.1 = 10 %)... */
    budgetRatio: env.number('GATEWAY_RETRY_BUDGET_RATIO', { default: 0.1, min: 0, max: 1 }),
    /** ...plus this many per second, so a quiet gateway can still retry. */
    minPerSecond: env.number('GATEWAY_RETRY_MIN_PER_SECOND', { default: 5, min: 0 }),
    windowMs: env.durationMs('GATEWAY_RETRY_WINDOW', { default: 10_000, min: 1_000 }),
  },
  hedge: {
    /** Send a second copy of a request still unanswered after this long (docs/gateway.md). */
    after: hedgeAfter('GATEWAY_HEDGE_AFTER'),
  },
  concurrency: {
    /**
     * `adaptive`: each node's outstanding requests are capped at a limit learnt from its latency
     * (libs/service-kit/src/overload/adaptive-limit.ts), and a request no node has room for is
     * refused at once with 503 and Retry-After; `off`: no cap, excess queues on the nodes. Off by
     * default until `./keelson bench overload` has measured it (docs/gateway.md).
     */
    limit: env.oneOf('GATEWAY_CONCURRENCY_LIMIT', ['adaptive', 'off'] as const, {
      default: 'off',
    }),
    /** Each node's limit when it joins, and the bounds the limit stays within. */
    initial: env.integer('GATEWAY_CONCURRENCY_INITIAL', { default: 20, min: 1, max: 10_000 }),
    min: env.integer('GATEWAY_CONCURRENCY_MIN', { default: 2, min: 1, max: 10_000 }),
    max: env.integer('GATEWAY_CONCURRENCY_MAX', { default: 1_000, min: 1, max: 100_000 }),
    /** How far over its no-load latency a node's median may go before its limit falls. */
    tolerance: env.number('GATEWAY_CONCURRENCY_TOLERANCE', { default: 2, min: 1.1, max: 10 }),
  },
  rateLimit: rateLimitSettings('GATEWAY', 1_000),
  heartbeatMs: env.durationMs('GATEWAY_HEARTBEAT', { default: 1_000, min: 100 }),
});

/**
 * The gateway's settings, with the one rule no single variable can check: a pinned hedge delay
 * must be shorter than the attempt timeout, or the retry after the timeout would always come first
 * and the setting would silently do nothing.
 */
export const gatewayConfig: typeof definition = {
  ...definition,
  load(environment?: Env) {
    const config = definition.load(environment);
    const { after } = config.hedge;
    if (after.mode === 'fixed' && after.ms >= config.timeouts.attemptMs)
      throw new ConfigError('gateway', [
        {
          variable: 'GATEWAY_HEDGE_AFTER',
          value: (environment ?? process.env).GATEWAY_HEDGE_AFTER,
          reason: `must be shorter than GATEWAY_ATTEMPT_TIMEOUT (${config.timeouts.attemptMs}ms)`,
        },
      ]);
    return config;
  },
};

export type GatewayConfig = ReturnType<typeof definition.load>;
