import { type DynamicModule, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Messaging } from '../connection';
import { EventPublisher } from '../publisher';

/** Injection token for the process's NATS connection (`Messaging`). */
export const MESSAGING = Symbol('MESSAGING');

/**
 * Shares one NATS connection and an EventPublisher across an app. The connection is opened (and the
 * catalogue provisioned) in main.ts before Nest boots, so the app never starts half-connected; the
 * module drains it when the app shuts down, after in-flight work has finished.
 */
@Module({})
export class MessagingModule implements OnApplicationShutdown {
  constructor(@Inject(MESSAGING) private readonly messaging: Messaging) {}

  static forRoot(messaging: Messaging, source: string): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING, useValue: messaging },
        { provide: EventPublisher, useValue: new EventPublisher(messaging.js, source) },
      ],
      exports: [MESSAGING, EventPublisher],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.messaging.drain();
  }
}
