import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { isObservable, lastValueFrom } from 'rxjs';
import type { ConsumerSpec } from '@keelson/schemas';
import type { Logger } from '@keelson/tracing';
import type { Messaging } from '../connection';
import { ConsumerRunner } from '../consumer-runner';
import { DeadLetterPublisher, openPayloadStore } from '../dead-letter';
import type { HandlerBinding } from '../handlers';
import { EventPublisher } from '../publisher';

export interface JetStreamTransportOptions {
  messaging: Messaging;
  /** The durable consumers this service runs, from the catalogue. */
  consumers: ConsumerSpec[];
  /** CloudEvents source of the dead letters it writes, e.g. `preprocessing/node-1`. */
  source: string;
  /** Messages handled at once, for every consumer or per durable name (default 16). */
  concurrency?: number | Record<string, number>;
  logger?: Logger;
}

/**
 * NestJS custom transport over the consumer runner: handlers are ordinary `@EventPattern(subject)`
 * methods, each receiving the validated CloudEvent and the message context. `listen` fails (and so
 * does the app's boot) when a consumer receives a subject that no handler serves.
 */
export class JetStreamTransport extends Server implements CustomTransportStrategy {
  private readonly runners: ConsumerRunner[] = [];

  constructor(private readonly options: JetStreamTransportOptions) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    this.startRunners().then(
      () => callback(),
      (error: unknown) => callback(error),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
    this.runners.length = 0;
  }

  /**
   * Stops pulling messages (in-flight handlers finish first) while a dependency is down, so
   * JetStream keeps them instead of spending their deliveries on failures.
   */
  async pause(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }

  async resume(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.start()));
  }

  on(): never {
    throw new Error('JetStreamTransport emits no events; use the consumer runner stats');
  }

  unwrap<T>(): T {
    return this.options.messaging.nc as T;
  }

  private bindings(): HandlerBinding[] {
    return [...this.getHandlers().entries()]
      .filter(([, handler]) => handler.isEventHandler)
      .map(([pattern, handler]) => ({
        subject: pattern,
        handle: async (event, context) => {
          // Nest turns a thrown error into an erroring observable; awaiting it surfaces the error
          // to the runner, which naks or dead-letters.
          const result: unknown = await handler(event, context);
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
        },
      }));
  }

  private async startRunners(): Promise<void> {
    const deadLetters = new DeadLetterPublisher(
      new EventPublisher(this.options.messaging.js, this.options.source),
      await openPayloadStore(this.options.messaging),
    );
    const handlers = this.bindings();
    // Build every runner first: a missing handler anywhere stops the boot before anything is consumed.
    const runners = this.options.consumers.map(
      (consumer) =>
        new ConsumerRunner({
          js: this.options.messaging.js,
          consumer,
          handlers,
          deadLetters,
          concurrency:
            typeof this.options.concurrency === 'object'
              ? this.options.concurrency[consumer.durable]
              : this.options.concurrency,
          logger: this.options.logger,
        }),
    );
    for (const runner of runners) {
      await runner.start();
      this.runners.push(runner);
    }
  }
}
