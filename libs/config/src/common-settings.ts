import { hostname } from 'node:os';
import { env } from './settings';

// Settings every service shares, with the defaults from ARCHITECTURE.md ("Running it").
// Production points NATS_URL and MONGO_URL elsewhere; nothing else changes.

export const natsSettings = () => ({
  url: env.url('NATS_URL', {
    default: 'nats://127.0.0.1:4222',
    protocols: ['nats', 'tls', 'ws', 'wss'],
    description: 'NATS server(s), comma-separated for a cluster',
  }),
  user: env.string('NATS_USER', {
    default: '',
    description: 'NATS user, if the server requires one',
  }),
  password: env.string('NATS_PASSWORD', {
    default: '',
    secret: true,
    description: 'NATS password',
  }),
  /** 1 locally; 3 in production so a stream survives the loss of a server. */
  replicas: env.integer('NATS_STREAM_REPLICAS', { default: 1, min: 1, max: 5 }),
});

export const mongoSettings = () => ({
  url: env.url('MONGO_URL', {
    default: 'mongodb://127.0.0.1:27017/keelson',
    protocols: ['mongodb', 'mongodb+srv'],
    hostList: true,
    secret: true,
    description: 'MongoDB (or FerretDB) connection string',
  }),
  /** Index builds are explicit outside development; see libs/persistence. */
  autoIndex: env.boolean('MONGO_AUTO_INDEX', { default: false }),
  /** Bounds on database calls, so a hung database fails them (libs/persistence `MongoTimeouts`). */
  timeouts: {
    socketMs: env.durationMs('MONGO_SOCKET_TIMEOUT', {
      default: 60_000,
      min: 1_000,
      description: 'a database reply not received within this fails the call',
    }),
    connectMs: env.durationMs('MONGO_CONNECT_TIMEOUT', {
      default: 10_000,
      min: 500,
      description: 'opening a connection; a server that misses its heartbeat by this is down',
    }),
    waitQueueMs: env.durationMs('MONGO_WAIT_QUEUE_TIMEOUT', {
      default: 10_000,
      min: 100,
      description: 'waiting for a free pooled connection',
    }),
  },
});

export const telemetrySettings = () => ({
  otlpEndpoint: env.url('OTEL_EXPORTER_OTLP_ENDPOINT', {
    default: 'http://127.0.0.1:4318',
    protocols: ['http', 'https'],
  }),
  tracesEnabled: env.boolean('KEELSON_TRACING', {
    default: true,
    description: 'export traces over OTLP',
  }),
  logLevel: env.oneOf('LOG_LEVEL', ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, {
    default: 'info',
  }),
});

/**
 * The credential prediction nodes require on every inference call and drill route; the gateways
 * and recovery hold it (libs/inference `NodeCredential`, docs/security.md). Required: a node
 * without it would let anyone who reaches its port around the gateway's keys. Comma-separated
 * to rotate: nodes accept every token listed, callers send the first.
 */
export const nodeCredentialSettings = () => ({
  tokens: env.list('KEELSON_NODE_TOKENS', {
    secret: true,
    pattern: /^[\x21-\x7e]{16,}$/,
    hint: 'at least 16 printable characters without spaces or commas',
    description: 'node token(s); `./keelson up` makes one',
  }),
});

/** What a caller of prediction nodes sends: the first of its node tokens, as a bearer token. */
export const nodeCallHeaders = (tokens: readonly string[]): Record<string, string> =>
  tokens.length > 0 ? { authorization: `Bearer ${tokens[0]}` } : {};

/** What every service reads: its node id, NATS, the database and telemetry. */
export const serviceSettings = (service: string) => ({
  nodeId: env.string('NODE_ID', {
    default: `${service}-${hostname()}-${process.pid}`,
    pattern: /^[A-Za-z0-9_-]{1,128}$/,
    hint: 'letters, digits, _ and -',
  }),
  nats: natsSettings(),
  mongo: mongoSettings(),
  telemetry: telemetrySettings(),
});

/**
 * Rate limits for API keys created without their own (`<PREFIX>_RATE_PER_SECOND`, `_BURST`), and
 * the process-wide budget of database look-ups of keys it has not seen (`_KEY_LOOKUPS`).
 */
export const rateLimitSettings = (prefix: string, perSecond: number, burst = perSecond * 2) => ({
  defaultPerSecond: env.integer(`${prefix}_RATE_PER_SECOND`, { default: perSecond, min: 1 }),
  defaultBurst: env.integer(`${prefix}_RATE_BURST`, { default: burst, min: 1 }),
  lookupsPerSecond: env.integer(`${prefix}_KEY_LOOKUPS`, { default: 100, min: 1 }),
});
