import type { EventPublisher } from '@keelson/messaging';
import { ServiceHeartbeat, type ConsumerSpec } from '@keelson/schemas';

export interface ServiceHeartbeatOptions {
  service: string;
  instanceId: string;
  consumers: readonly ConsumerSpec[];
  intervalMs: number;
  /** Readiness as the service's own /health/ready tells it; a draining instance is not ready. */
  checks(): { database: boolean; nats: boolean; draining?: boolean };
}

/**
 * `keelson.telemetry.service` on `telemetry.service.<instance>` every `intervalMs`: the instance,
 * its readiness and the durable consumers it runs. Recovery waits for a ready instance of a
 * consumer's service before it replays that consumer's dead letters.
 */
export class ServiceHeartbeats {
  private timer?: NodeJS.Timeout;
  private readonly startedAt = new Date().toISOString();

  constructor(
    private readonly publisher: EventPublisher,
    private readonly options: ServiceHeartbeatOptions,
  ) {}

  start(): void {
    const beat = () => void this.beat().catch(() => undefined); // a lost beat is a late one
    beat();
    this.timer = setInterval(beat, this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * Stops, after one last beat saying not ready (the checks say draining): recovery stops counting
   * on a leaving instance at once instead of after its silence. Best effort, like every beat.
   */
  async leave(): Promise<void> {
    this.stop();
    await this.beat().catch(() => undefined);
  }

  private async beat(): Promise<void> {
    const { database, nats, draining } = this.options.checks();
    await this.publisher.publish(
      ServiceHeartbeat,
      {
        service: this.options.service,
        instanceId: this.options.instanceId,
        startedAt: this.startedAt,
        sentAt: new Date().toISOString(),
        intervalMs: this.options.intervalMs,
        ready: database && nats && !draining,
        checks: { database: database ? 'up' : 'down', nats: nats ? 'up' : 'down' },
        consumers: this.options.consumers.map((c) => ({ stream: c.stream, durable: c.durable })),
      },
      { subject: this.options.instanceId },
    );
  }
}
