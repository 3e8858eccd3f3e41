import type { EventPublisher } from '@keelson/messaging';
import type { AlertRecord } from '@keelson/persistence';
import { AlertRaised, deterministicUuidv7, type AlertKind } from '@keelson/schemas';
import type { AlertChange, AlertSink } from './alert-book';

/** The event an alert change becomes on `alert.<kind>`. */
export function alertEvent(alert: AlertRecord) {
  return {
    alertId: alert._id,
    key: alert.key,
    kind: alert.kind as AlertKind,
    state: alert.state,
    severity: alert.severity,
    target: alert.target,
    message: alert.message.slice(0, 2_000),
    reasons: alert.reasons.slice(0, 32),
    evidence: alert.evidence,
    startsAt: new Date(alert.startsAt).toISOString(),
    ...(alert.endsAt && { endsAt: new Date(alert.endsAt).toISOString() }),
  };
}

/**
 * Publishes each alert change on `alert.<kind>` (the ALERTS stream), where recovery and operators
 * read it. The event id is derived from the alert, its state and severity, so a retried publish is
 * dropped by JetStream as a duplicate. Publishing retries for a while if NATS is unreachable.
 */
export class NatsAlertSink implements AlertSink {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly publisher: EventPublisher,
    private readonly onGiveUp: (alertId: string, error: string) => void,
    private readonly attempts = 10,
  ) {}

  deliver(alert: AlertRecord, change: AlertChange): void {
    const data = alertEvent(alert);
    const id = deterministicUuidv7(
      new Date(alert.updatedAt).getTime(),
      `alert:${alert._id}:${alert.state}:${alert.severity}:${change}`,
    );
    const sent = this.publish(data, id).finally(() => this.pending.delete(sent));
    this.pending.add(sent);
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async publish(data: ReturnType<typeof alertEvent>, id: string): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.publisher.publish(AlertRaised, data, {
          natsSubject: `alert.${data.kind}`,
          subject: data.target,
          id,
        });
        return;
      } catch (error) {
        if (attempt >= this.attempts) {
          this.onGiveUp(data.alertId, (error as Error).message);
          return;
        }
        await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** attempt)).unref());
      }
    }
  }
}
