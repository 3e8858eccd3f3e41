import type { EventPublisher } from '@keelson/messaging';
import { GatewayHeartbeat, type EventData } from '@keelson/schemas';

export type GatewayFigures = Omit<EventData<typeof GatewayHeartbeat>, 'gatewayId'>;

/**
 * A `keelson.telemetry.gateway` event on `telemetry.gateway.<id>` every `intervalMs`: the
 * gateway's traffic totals, recent latency, and the nodes whose circuits it has open, which
 * monitoring sets beside the nodes' own heartbeats.
 */
export class GatewayHeartbeats {
  private timer?: NodeJS.Timeout;

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
      { gatewayId: this.gatewayId, ...this.figures() },
      { subject: this.gatewayId },
    );
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
