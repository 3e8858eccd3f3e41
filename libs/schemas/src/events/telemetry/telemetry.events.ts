import { Type, type Static } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { IsoTime, Name } from '../common';

const Count = Type.Integer({ minimum: 0 });
const Millis = Type.Number({ minimum: 0 });

/** Latency percentiles over the calls of the last heartbeat interval, and how many there were. */
export const RecentLatency = Type.Object(
  { count: Count, p50: Millis, p95: Millis, p99: Millis },
  { additionalProperties: false },
);

/**
 * Calls by outcome, counted since the process started (`startedAt`): monotonic counters, as
 * Prometheus keeps them, so a lost heartbeat loses no calls and a restart shows as a new start
 * time. Server failures are the node's own (5xx, a worker crash, an inference timeout); client
 * errors are the caller's (unknown model or version, bad input), which must never make a healthy
 * node look sick; overloaded calls were refused at once because the queue was full.
 */
export const CallOutcomes = Type.Object(
  { ok: Count, clientErrors: Count, serverErrors: Count, overloaded: Count },
  { additionalProperties: false },
);

export const ModelVersionFigures = Type.Object(
  {
    name: Name,
    version: Type.Integer({ minimum: 1 }),
    ready: Type.Boolean(),
    calls: CallOutcomes,
    latencyMs: RecentLatency,
    queueDepth: Count,
    /** Requests the version's queue holds before it refuses with 429. */
    queueCapacity: Count,
    inFlight: Count,
  },
  { additionalProperties: false },
);

/** Faults a drill injected into the node (PREDICTION_FAULTS=on); absent when none are active. */
export const InjectedFaults = Type.Object(
  {
    latencyMs: Millis,
    errorRate: Type.Number({ minimum: 0, maximum: 1 }),
    hang: Type.Boolean(),
  },
  { additionalProperties: false },
);

export const NodeHeartbeat = defineEvent({
  type: 'keelson.telemetry.node',
  subject: 'telemetry.node.*',
  stream: 'TELEMETRY',
  description: 'a prediction node reports its load every second',
  data: Type.Object(
    {
      nodeId: Name,
      addresses: Type.Object({ http: Type.String(), grpc: Type.String() }),
      /** When the process started: counters restart from zero when this changes. */
      startedAt: IsoTime,
      /** When this heartbeat was taken; monitoring ignores heartbeats that are old on arrival. */
      sentAt: IsoTime,
      intervalMs: Type.Integer({ minimum: 1 }),
      inFlight: Count,
      queueDepth: Count,
      queueCapacity: Count,
      /** Every call since start (the sum of `calls`), requests for unknown models included. */
      requests: Count,
      calls: CallOutcomes,
      /** Successful calls over the last interval. */
      latencyMs: RecentLatency,
      /** Failed calls over the last interval: a node failing slowly and one failing fast differ. */
      failedLatencyMs: RecentLatency,
      eventLoopLagMs: Millis,
      models: Type.Array(ModelVersionFigures),
      /** Prediction samples for drift monitoring since start: sent, and dropped (never silently). */
      samples: Type.Object({ published: Count, dropped: Count }, { additionalProperties: false }),
      faults: Type.Optional(InjectedFaults),
    },
    { additionalProperties: false },
  ),
});

/** One node as a gateway sees it: callers observe failures a node's own heartbeat cannot show. */
export const GatewayNodeView = Type.Object(
  {
    nodeId: Name,
    /** Calls from this gateway waiting for the node now. */
    outstanding: Count,
    /**
     * Attempts since the gateway started: answered, failed by the node's fault (unreachable, timed
     * out, 5xx), or refused for reasons that are not the node's fault (bad input, overload).
     */
    attempts: Type.Object(
      { ok: Count, nodeFailures: Count, timeouts: Count, other: Count },
      { additionalProperties: false },
    ),
    /** Latency of the attempts answered over the last interval. */
    latencyMs: RecentLatency,
    circuit: Type.Union([Type.Literal('closed'), Type.Literal('open'), Type.Literal('half-open')]),
    /** False while the transport knows the node is unreachable (refused connections). */
    reachable: Type.Boolean(),
    routable: Type.Boolean(),
  },
  { additionalProperties: false },
);

/** Upper bounds (ms) of the gateway's per-model latency histogram, as Prometheus `le` buckets. */
export const GATEWAY_LATENCY_BUCKETS_MS = [
  1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
] as const;

/** A model's traffic through one gateway since it started: what SLOs are computed from. */
export const GatewayModelTraffic = Type.Object(
  {
    /** The model name, or `_unknown` for names no node or bucket knows (bounded cardinality). */
    model: Type.String({ minLength: 1, maxLength: 128 }),
    requests: Count,
    /** The platform's failures (unavailable, timeouts, 5xx, overload): they burn error budget. */
    serverErrors: Count,
    /** The caller's mistakes (bad input, unknown version): they do not. */
    clientErrors: Count,
    /**
     * Cumulative counts of answered and failed requests at or under each bound of
     * GATEWAY_LATENCY_BUCKETS_MS (same order), plus the total as the last entry (`+Inf`).
     */
    latencyBuckets: Type.Array(Count),
  },
  { additionalProperties: false },
);

export const GatewayHeartbeat = defineEvent({
  type: 'keelson.telemetry.gateway',
  subject: 'telemetry.gateway.*',
  stream: 'TELEMETRY',
  description: 'a gateway reports its traffic and its view of the node pool',
  data: Type.Object(
    {
      gatewayId: Name,
      startedAt: IsoTime,
      sentAt: IsoTime,
      intervalMs: Type.Integer({ minimum: 1 }),
      requests: Count,
      errors: Count,
      retries: Count,
      hedges: Count,
      latencyMs: RecentLatency,
      openCircuits: Type.Array(Name),
      nodes: Type.Array(GatewayNodeView),
      models: Type.Array(GatewayModelTraffic),
    },
    { additionalProperties: false },
  ),
});

export type RecentLatency = Static<typeof RecentLatency>;
export type CallOutcomes = Static<typeof CallOutcomes>;
export type ModelVersionFigures = Static<typeof ModelVersionFigures>;
export type InjectedFaults = Static<typeof InjectedFaults>;
export type GatewayNodeView = Static<typeof GatewayNodeView>;
export type GatewayModelTraffic = Static<typeof GatewayModelTraffic>;

/**
 * A service instance says it is there and whether it is ready, with the durable consumers it runs:
 * recovery replays a consumer's dead letters only once a ready instance of its service is back.
 */
export const ServiceHeartbeat = defineEvent({
  type: 'keelson.telemetry.service',
  subject: 'telemetry.service.*',
  stream: 'TELEMETRY',
  description: 'a service instance reports its readiness and the consumers it runs',
  data: Type.Object(
    {
      service: Name,
      instanceId: Name,
      startedAt: IsoTime,
      sentAt: IsoTime,
      intervalMs: Type.Integer({ minimum: 1 }),
      ready: Type.Boolean(),
      checks: Type.Object(
        {
          database: Type.Union([Type.Literal('up'), Type.Literal('down')]),
          nats: Type.Union([Type.Literal('up'), Type.Literal('down')]),
        },
        { additionalProperties: false },
      ),
      consumers: Type.Array(
        Type.Object(
          { stream: Type.String({ maxLength: 128 }), durable: Type.String({ maxLength: 128 }) },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
});
