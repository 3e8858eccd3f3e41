import { Injectable, Logger } from '@nestjs/common';
import { EventPublisher } from '@keelson/messaging';
import { AlertRepository } from '@keelson/persistence';
import { AlertBook, NatsAlertSink, type AlertInput } from '@keelson/service-kit';

/** The kinds recovery raises (monitoring raises the others; they share the history). */
export const RECOVERY_ALERT_KINDS = ['pool.degraded', 'dlq.parked'];

/**
 * Recovery's alerts: `pool.degraded` (more nodes of a model are sick than may be ejected) and
 * `dlq.parked` (messages that failed again after their replays). Only the leader raises them; a
 * new leader reloads the ones that are open, so it neither repeats nor forgets them.
 */
@Injectable()
export class RecoveryAlerts {
  private readonly logger = new Logger('alerts');
  private book?: AlertBook;

  constructor(
    private readonly repository: AlertRepository,
    private readonly publisher: EventPublisher,
  ) {}

  async lead(): Promise<void> {
    const sink = new NatsAlertSink(this.publisher, (id, error) =>
      this.logger.error(`could not publish alert ${id}: ${error}`),
    );
    const book = new AlertBook(this.repository, [sink]);
    await book.load(RECOVERY_ALERT_KINDS);
    this.book = book;
  }

  follow(): void {
    this.book = undefined;
  }

  /** The open alerts are loaded and new ones go out (this replica leads). */
  get ready(): boolean {
    return this.book !== undefined;
  }

  fire(input: AlertInput): void {
    this.book?.fire(input);
  }

  resolve(kind: AlertInput['kind'], target: string, why: string): void {
    this.book?.resolve(kind, target, why);
  }

  isFiring(kind: AlertInput['kind'], target: string): boolean {
    return this.book?.isFiring(kind, target) ?? false;
  }

  firing() {
    return this.book?.firing() ?? [];
  }
}
