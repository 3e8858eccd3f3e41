import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import {
  ConsumerRunner,
  DeadLetterPublisher,
  EventPublisher,
  openPayloadStore,
  type Messaging,
} from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import { consumerSpec, type CloudEvent, type DeadLettered, type EventData } from '@keelson/schemas';
import { LeadershipService } from '../leadership/leadership.service';
import { DlqStore } from './dlq-store.service';

/**
 * The `recovery-dlq` durable consumer, run by the leader only (the one writer of entries and
 * groups). A DLQ message is acknowledged only once its entry is stored; while the database is
 * down it is retried forever, never dead-lettered itself.
 */
@Injectable()
export class DlqIntake implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('dlq');
  private runner?: ConsumerRunner;

  constructor(
    @Inject(MESSAGING) private readonly messaging: Messaging,
    private readonly store: DlqStore,
    private readonly leadership: LeadershipService,
  ) {}

  onModuleInit(): void {
    this.leadership.onChange((leader) => (leader ? this.start() : this.stop()));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  private async start(): Promise<void> {
    await this.store.lead();
    const source = this.leadership.instance;
    this.runner = new ConsumerRunner({
      js: this.messaging.js,
      consumer: consumerSpec('recovery-dlq'),
      handlers: [
        {
          subject: 'dlq.*.*',
          handle: (event) =>
            this.store.intake(event as unknown as CloudEvent<EventData<typeof DeadLettered>>),
        },
      ],
      deadLetters: new DeadLetterPublisher(
        new EventPublisher(this.messaging.js, source),
        await openPayloadStore(this.messaging),
      ),
      concurrency: 8,
    });
    await this.runner.start();
    this.logger.log('taking in dead letters');
  }

  private async stop(): Promise<void> {
    this.store.follow();
    const runner = this.runner;
    this.runner = undefined;
    await runner?.stop();
  }
}
