import type { Subscription } from '@nats-io/transport-node';
import { decodeJson, type Messaging } from '@keelson/messaging';
import { ServiceHeartbeat, type EventData } from '@keelson/schemas';

type Beat = EventData<typeof ServiceHeartbeat>;

/**
 * Which services are up and ready, from their heartbeats (`telemetry.service.*`), and so which
 * durable consumers have a ready instance running them: the first condition of replaying a
 * consumer's dead letters. An instance unheard of for three of its intervals counts as gone.
 */
export class ServiceView {
  private readonly instances = new Map<string, { beat: Beat; heardAt: number }>();
  private subscription?: Subscription;

  constructor(private readonly messaging: Messaging) {}

  start(): void {
    this.subscription = this.messaging.nc.subscribe('telemetry.service.*', {
      callback: (error, msg) => {
        if (!error) this.apply(msg.data, Date.now());
      },
    });
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }

  apply(bytes: Uint8Array, now: number): void {
    const decoded = decodeJson(bytes);
    const checked = decoded.ok ? ServiceHeartbeat.validate(decoded.value) : undefined;
    if (checked?.ok)
      this.instances.set(checked.value.data.instanceId, { beat: checked.value.data, heardAt: now });
  }

  /** Ready instances running the durable consumer `stream/durable` now. */
  readyFor(stream: string, durable: string, now = Date.now()): string[] {
    const ready: string[] = [];
    for (const [id, { beat, heardAt }] of this.instances) {
      if (now - heardAt > 3 * beat.intervalMs + 500) continue;
      if (beat.ready && beat.consumers.some((c) => c.stream === stream && c.durable === durable))
        ready.push(id);
    }
    return ready;
  }

  /** Every instance heard from recently, for the API. */
  list(now = Date.now()) {
    return [...this.instances.values()]
      .filter(({ beat, heardAt }) => now - heardAt <= 3 * beat.intervalMs + 500)
      .map(({ beat }) => ({
        service: beat.service,
        instanceId: beat.instanceId,
        ready: beat.ready,
        consumers: beat.consumers.map((c) => `${c.stream}/${c.durable}`),
      }));
  }
}
