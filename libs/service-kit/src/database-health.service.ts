import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import type { Connection } from 'mongoose';

import { isDatabaseReady, MONGO_CONNECTION } from '@keelson/persistence';

type Listener = (up: boolean) => void | Promise<void>;

/**
 * Watches the database with a ping every second. While it is down, HTTP ingestion answers 503 at
 * once and the stream consumer is paused, so JetStream keeps the messages instead of burning their
 * deliveries; both resume by themselves when the ping answers again.
 */
@Injectable()
export class DatabaseHealth implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseHealth.name);
  private readonly listeners: Listener[] = [];
  private timer?: NodeJS.Timeout;
  private checking = false;
  up = true;

  constructor(@Inject(MONGO_CONNECTION) private readonly connection: Connection) {}

  onChange(listener: Listener): void {
    this.listeners.push(listener);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.check(), 1_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<boolean> {
    if (this.checking) return this.up;
    this.checking = true;
    try {
      const up = await isDatabaseReady(this.connection, 1_500);
      if (up !== this.up) {
        this.up = up;
        this.logger.warn(up ? 'database is back: resuming' : 'database is unavailable: pausing');
        for (const listener of this.listeners) {
          try {
            await listener(up);
          } catch (error) {
            // Undo the transition so the next check (a second later) tries the listeners again:
            // a resume that failed must not leave consumers stopped while readiness says ready.
            this.up = !up;
            this.logger.error(
              `reacting to the database being ${up ? 'up' : 'down'} failed: ${(error as Error).message}`,
            );
            break;
          }
        }
      }
      return up;
    } finally {
      this.checking = false;
    }
  }
}
