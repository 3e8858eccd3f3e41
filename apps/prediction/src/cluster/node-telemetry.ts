import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Kvm, type KV } from '@nats-io/kv';
import { EventPublisher, type Messaging } from '@keelson/messaging';
import {
  encodeBucketValue,
  NodeHeartbeat,
  NodeRegistration,
  type EventData,
} from '@keelson/schemas';

export type HeartbeatFigures = Omit<
  EventData<typeof NodeHeartbeat>,
  'nodeId' | 'addresses' | 'eventLoopLagMs' | 'startedAt' | 'sentAt' | 'intervalMs'
>;

/**
 * Every `intervalMs`: a heartbeat on `telemetry.node.<id>` (calls by outcome, latency, queues,
 * event-loop lag, loaded versions) for monitoring, and this node's entry in the `nodes` bucket
 * (its addresses and versions) that the gateway builds its pool from. The bucket's TTL drops a
 * node that stops.
 */
export class NodeTelemetry {
  private timer?: NodeJS.Timeout;
  private kv?: KV;
  /** The beat being sent: a clean stop waits for it, or its write would put the node back. */
  private beating?: Promise<void>;
  private readonly lag: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly messaging: Messaging,
    private readonly nodeId: string,
    private readonly addresses: { http: string; grpc: string },
    private readonly figures: () => HeartbeatFigures,
    private readonly intervalMs: number,
    private readonly onError: (error: Error) => void,
  ) {}

  async start(): Promise<void> {
    this.kv = await new Kvm(this.messaging.js).open('nodes');
    this.lag.enable();
    await this.beat();
    this.timer = setInterval(() => {
      const beat = this.beat().catch(this.onError);
      this.beating = beat;
      void beat.finally(() => {
        if (this.beating === beat) this.beating = undefined;
      });
    }, this.intervalMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    const figures = this.figures();
    const eventLoopLagMs = Number.isFinite(this.lag.max) ? this.lag.max / 1e6 : 0;
    this.lag.reset();
    const publisher = new EventPublisher(this.messaging.js, `prediction/${this.nodeId}`);
    const sentAt = new Date().toISOString();
    await Promise.all([
      publisher.publish(
        NodeHeartbeat,
        {
          nodeId: this.nodeId,
          addresses: this.addresses,
          startedAt: this.startedAt,
          sentAt,
          intervalMs: this.intervalMs,
          eventLoopLagMs,
          ...figures,
        },
        { subject: this.nodeId },
      ),
      this.kv!.put(
        this.nodeId,
        encodeBucketValue(NodeRegistration, {
          nodeId: this.nodeId,
          addresses: this.addresses,
          models: figures.models.map(({ name, version, ready }) => ({ name, version, ready })),
          startedAt: this.startedAt,
          heartbeatAt: sentAt,
        }),
      ),
    ]);
  }

  /** Stops heartbeating and removes this node from the pool at once (a clean shutdown). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.lag.disable();
    await this.beating;
    await this.kv?.delete(this.nodeId).catch(() => undefined);
  }
}
