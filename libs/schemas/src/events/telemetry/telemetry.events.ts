import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { Name } from '../common';

const Latency = Type.Object({ p50: Type.Number(), p95: Type.Number(), p99: Type.Number() });

export const NodeHeartbeat = defineEvent({
  type: 'keelson.telemetry.node',
  subject: 'telemetry.node.*',
  stream: 'TELEMETRY',
  description: 'a prediction node reports its load every second',
  data: Type.Object(
    {
      nodeId: Name,
      addresses: Type.Object({ http: Type.String(), grpc: Type.String() }),
      inFlight: Type.Integer({ minimum: 0 }),
      queueDepth: Type.Integer({ minimum: 0 }),
      requests: Type.Integer({ minimum: 0 }),
      errors: Type.Integer({ minimum: 0 }),
      latencyMs: Latency,
      eventLoopLagMs: Type.Number({ minimum: 0 }),
      models: Type.Array(
        Type.Object({ name: Name, version: Type.Integer({ minimum: 1 }), ready: Type.Boolean() }),
      ),
    },
    { additionalProperties: false },
  ),
});

export const GatewayHeartbeat = defineEvent({
  type: 'keelson.telemetry.gateway',
  subject: 'telemetry.gateway.*',
  stream: 'TELEMETRY',
  description: 'a gateway reports its traffic and its view of the node pool',
  data: Type.Object(
    {
      gatewayId: Name,
      requests: Type.Integer({ minimum: 0 }),
      errors: Type.Integer({ minimum: 0 }),
      retries: Type.Integer({ minimum: 0 }),
      latencyMs: Latency,
      openCircuits: Type.Array(Name),
    },
    { additionalProperties: false },
  ),
});
