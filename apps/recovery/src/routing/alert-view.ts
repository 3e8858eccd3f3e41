import { DeliverPolicy, type ConsumerMessages, type JetStreamClient } from '@nats-io/jetstream';
import { AlertRaised, type AlertData } from '@keelson/schemas';
import { decodeJson } from '@keelson/messaging';

export interface FiringAlert {
  alertId: string;
  reasons: string[];
  startsAt: string;
}

/** How far back a replica reads node alerts when it starts: longer than any alert stays open. */
const LOOKBACK_MS = 24 * 3_600_000;

/**
 * The `node.unhealthy` alerts firing now, read from the ALERTS stream with an ordered consumer
 * from a day back and then as they come, on every replica: a replica that becomes the leader knows
 * at once which alerts are open, where a durable consumer would give it only what the previous
 * leader had not acknowledged. Whether an alert has been acted on lives in the routing entry
 * (`alertId`), so reading history again acts on nothing twice.
 */
export class AlertView {
  readonly firing = new Map<string, FiringAlert>();
  private messages?: ConsumerMessages;
  private caughtUp = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly onInvalid: (error: string) => void,
    /** Told of every new firing alert once history is read: the leader acts at once. */
    private readonly onFiring: () => void = () => undefined,
  ) {}

  /** Every alert of the lookback applied (what is firing is known). */
  get ready(): boolean {
    return this.caughtUp;
  }

  async start(): Promise<void> {
    const consumer = await this.js.consumers.get('ALERTS', {
      filter_subjects: ['alert.node.unhealthy'],
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(Date.now() - LOOKBACK_MS).toISOString(),
    });
    const pending = (await consumer.info(true)).num_pending;
    if (pending === 0) this.caughtUp = true;
    this.messages = await consumer.consume();
    void (async () => {
      for await (const msg of this.messages!) {
        this.apply(msg.data);
        if (msg.info.pending === 0) this.caughtUp = true;
      }
    })();
  }

  stop(): void {
    void this.messages?.close();
  }

  apply(bytes: Uint8Array): void {
    const decoded = decodeJson(bytes);
    const checked = decoded.ok ? AlertRaised.validate(decoded.value) : undefined;
    if (!checked?.ok) {
      this.onInvalid(decoded.ok ? 'an alert event failed its schema' : decoded.error);
      return;
    }
    const alert: AlertData = checked.value.data;
    if (alert.kind !== 'node.unhealthy') return;
    if (alert.state === 'firing') {
      this.firing.set(alert.target, {
        alertId: alert.alertId,
        reasons: alert.reasons,
        startsAt: alert.startsAt,
      });
      if (this.caughtUp) this.onFiring();
    } else if (this.firing.get(alert.target)?.alertId === alert.alertId)
      this.firing.delete(alert.target);
  }
}
