import type { EventPublisher } from '@keelson/messaging';
import { GatewayHeartbeat, type EventData } from '@keelson/schemas';
import type { NodePool } from '../pool/node-pool';
import type { GatewayHandler } from '../routing/gateway-handler';

export type GatewayFigures = Omit<
  EventData<typeof GatewayHeartbeat>,
  'gatewayId' | 'startedAt' | 'sentAt' | 'intervalMs'
>;

/** Node ids are bucket keys; the heartbeat's schema takes the ids nodes are allowed to use. */
const NODE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The figures a gateway heartbeat carries: its traffic totals and recent latency, each model's
 * traffic for SLOs, and each node as this gateway's callers saw it over the last second.
 */
export function gatewayFigures(handler: GatewayHandler, pool: NodePool): GatewayFigures {
  const { count, p50, p95, p99 } = handler.latency.percentiles(Date.now());
  return {
    requests: handler.requests,
    errors: handler.errors,
    retries: handler.retries,
    hedges: handler.hedges,
    latencyMs: { count, p50, p95, p99 },
    openCircuits: pool.openCircuits().filter((id) => NODE_ID.test(id)),
    nodes: pool.views().filter((n) => NODE_ID.test(n.nodeId)),
    models: handler.traffic.snapshot(),
  };
}

/**
 * A `keelson.telemetry.gateway` event on `telemetry.gateway.<id>` every `intervalMs`, which
 * monitoring sets beside the nodes' own heartbeats.
 */
export class GatewayHeartbeats {
  private timer?: NodeJS.Timeout;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly publisher: EventPublisher,
    private readonly gatewayId: string,
    private readonly figures: () => GatewayFigures,
    private readonly intervalMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  async start(): Promise<void> {
    await this.beat().catch(this.onError); // a slow first beat must not hold up start-up
    this.timer = setInterval(() => void this.beat().catch(this.onError), this.intervalMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    await this.publisher.publish(
      GatewayHeartbeat,
      {
        gatewayId: this.gatewayId,
        startedAt: this.startedAt,
        sentAt: new Date().toISOString(),
        intervalMs: this.intervalMs,
        ...this.figures(),
      },
      { subject: this.gatewayId },
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
