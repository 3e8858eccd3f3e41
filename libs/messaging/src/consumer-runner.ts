import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import {
  AnyEnvelope,
  compileValidator,
  eventForSubject,
  EVENTS,
  formatIssues,
  subjectMatches,
  type CloudEvent,
  type ConsumerSpec,
  type EventDefinition,
} from '@keelson/schemas';
import { recordSpanError, withConsumerSpan, type Logger } from '@keelson/tracing';
import { decodeJson } from './codec';
import type { DeadLetterFailure, DeadLetterPublisher, DeadLetterReason } from './dead-letter';
import { failureVerdict } from './failure-verdict';
import { handlerDeadlineMs, runWithDeadline, type HandlerOutcome } from './handler-deadline';
import { uncoveredSubjects, type HandlerBinding, type MessageContext } from './handlers';

export interface ConsumerRunnerOptions {
  js: JetStreamClient;
  consumer: ConsumerSpec;
  handlers: HandlerBinding[];
  deadLetters: DeadLetterPublisher;
  /** Messages handled at once by this process. */
  concurrency?: number;
  logger?: Logger;
  /** Definitions used to validate events by subject; defaults to every Keelson event. */
  events?: readonly EventDefinition[];
  /**
   * `cloudevent` (default) validates the Keelson envelope; `json` hands any JSON payload to the
   * handler, for NATS's own messages such as advisories.
   */
  format?: 'cloudevent' | 'json';
}

export interface RunnerStats {
  acked: number;
  retried: number;
  deadLettered: number;
  invalid: number;
  /** Handlers abandoned at their deadline (each also counted as retried or dead-lettered). */
  timedOut: number;
  inFlight: number;
}

const validateAnyEnvelope = compileValidator(AnyEnvelope);

/**
 * Runs a durable pull consumer: bounded concurrency, validation on consume, explicit acks only
 * after the handler's effect is done, `nak` with growing delays on failure, `working()` heartbeats
 * while a handler runs up to its deadline, and dead-lettering on the last allowed delivery.
 */
export class ConsumerRunner {
  readonly stats: RunnerStats = {
    acked: 0,
    retried: 0,
    deadLettered: 0,
    invalid: 0,
    timedOut: 0,
    inFlight: 0,
  };
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly deadlineMs: number;

  constructor(private readonly options: ConsumerRunnerOptions) {
    const missing = uncoveredSubjects(options.consumer.filterSubjects, options.handlers);
    if (missing.length > 0) {
      throw new Error(
        `consumer ${options.consumer.durable} receives ${missing.join(', ')} but no handler serves ${missing.length === 1 ? 'it' : 'them'}`,
      );
    }
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.deadlineMs = handlerDeadlineMs(options.consumer);
  }

  get name(): string {
    return `${this.options.consumer.stream}/${this.options.consumer.durable}`;
  }

  /** Starts pulling; after stop() it may be started again (pause and resume). */
  async start(): Promise<void> {
    if (this.loop) return;
    const consumer = await this.options.js.consumers.get(
      this.options.consumer.stream,
      this.options.consumer.durable,
    );
    // Pull a little ahead of the handlers so they never wait on a round trip, but not so far that
    // buffered messages sit out their ack wait on a slow handler.
    this.messages = await consumer.consume({ max_messages: Math.max(this.concurrency * 2, 8) });
    this.loop = this.run(this.messages);
    this.options.logger?.info(
      { consumer: this.name, concurrency: this.concurrency },
      'consumer started',
    );
  }

  /**
   * Stops pulling, waits for in-flight handlers to finish and acknowledge (at most until their
   * deadline: a handler abandoned there is not waited for), then returns.
   */
  async stop(): Promise<void> {
    if (!this.messages) return;
    await this.messages.close();
    await this.loop;
    this.messages = undefined;
    this.loop = undefined;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const msg of messages) {
      const task = this.process(msg).finally(() => {
        this.inFlight.delete(task);
        this.stats.inFlight = this.inFlight.size;
      });
      this.inFlight.add(task);
      this.stats.inFlight = this.inFlight.size;
      if (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    }
    await Promise.allSettled([...this.inFlight]);
  }

  private async process(msg: JsMsg): Promise<void> {
    const binding = this.options.handlers.find((h) => subjectMatches(h.subject, msg.subject));
    const decoded = decodeJson(msg.data);
    if (!decoded.ok) return this.reject(msg, decoded.error);
    if (!binding) return this.reject(msg, `no handler for subject ${msg.subject}`);
    let payload = decoded.value;
    if ((this.options.format ?? 'cloudevent') === 'cloudevent') {
      const definition =
        binding.event ?? eventForSubject(msg.subject, this.options.events ?? EVENTS);
      const checked = definition ? definition.validate(payload) : validateAnyEnvelope(payload);
      if (!checked.ok) return this.reject(msg, `invalid event: ${formatIssues(checked.issues)}`);
      payload = checked.value;
    }

    const event = payload as CloudEvent<unknown>;
    const attributes = {
      'messaging.consumer.group.name': this.options.consumer.durable,
      'messaging.message.id': event?.id ?? '',
      'messaging.nats.delivery_count': msg.info.deliveryCount,
    };
    await withConsumerSpan(msg.subject, msg.headers, attributes, async () => {
      // Once the runner has given its verdict, nothing the handler does may touch the message:
      // a working() from a handler abandoned at its deadline would hold the retry back.
      let decided = false;
      const context = this.contextFor(msg, () => decided);
      const heartbeat = setInterval(
        () => msg.working(),
        Math.max(100, Math.floor(this.options.consumer.ackWaitMs / 3)),
      );
      const outcome = await runWithDeadline(
        () => binding.handle(event as CloudEvent<never>, context),
        this.deadlineMs,
      );
      decided = true;
      clearInterval(heartbeat);
      if (outcome.status === 'done') {
        msg.ack();
        this.stats.acked++;
        return;
      }
      recordSpanError(outcome.error);
      if (outcome.status === 'timed-out') {
        this.stats.timedOut++;
        void outcome.late.then((late) => this.onLate(msg, late));
      }
      await this.onFailure(msg, outcome.error);
    });
  }

  private contextFor(msg: JsMsg, decided: () => boolean): MessageContext {
    return {
      subject: msg.subject,
      streamSequence: msg.info.streamSequence,
      deliveryCount: msg.info.deliveryCount,
      headers: msg.headers,
      working: () => {
        if (!decided()) msg.working();
      },
    };
  }

  private async onFailure(msg: JsMsg, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const deliveries = msg.info.deliveryCount;
    const log = {
      consumer: this.name,
      subject: msg.subject,
      seq: msg.info.streamSequence,
      deliveries,
      err: message,
    };
    const verdict = failureVerdict(this.options.consumer, deliveries, error);
    if (verdict.action === 'dead-letter') {
      this.options.logger?.error(log, 'handler failed for the last time; dead-lettering');
      await this.deadLetter(msg, verdict.reason, message, verdict.failure);
      return;
    }
    this.options.logger?.warn({ ...log, retryInMs: verdict.delayMs }, 'handler failed; will retry');
    msg.nak(verdict.delayMs);
    this.stats.retried++;
  }

  /** A handler abandoned at its deadline finished after all; its message was already decided. */
  private onLate(msg: JsMsg, outcome: HandlerOutcome): void {
    this.options.logger?.warn(
      {
        consumer: this.name,
        seq: msg.info.streamSequence,
        deliveries: msg.info.deliveryCount,
        outcome: outcome.status,
        ...(outcome.status === 'failed' && { err: (outcome.error as Error)?.message }),
      },
      'handler finished after its deadline; result ignored',
    );
  }

  /** An event that can never be handled as sent: kept in the DLQ with its reasons, never retried. */
  private async reject(msg: JsMsg, reason: string): Promise<void> {
    this.stats.invalid++;
    this.options.logger?.warn(
      { consumer: this.name, subject: msg.subject, seq: msg.info.streamSequence, reason },
      'rejected invalid message',
    );
    await this.deadLetter(msg, 'invalid-event', reason, 'terminal');
  }

  private async deadLetter(
    msg: JsMsg,
    reason: DeadLetterReason,
    error: string,
    failure: DeadLetterFailure,
  ): Promise<void> {
    try {
      await this.options.deadLetters.deadLetter(
        {
          stream: msg.info.stream,
          consumer: msg.info.consumer,
          subject: msg.subject,
          streamSequence: msg.info.streamSequence,
          deliveryCount: msg.info.deliveryCount,
          headers: msg.headers,
          data: msg.data,
          storedAtMs: Math.floor(msg.info.timestampNanos / 1e6),
        },
        reason,
        error,
        failure,
      );
      msg.term(`${reason}: ${error}`.slice(0, 256));
      this.stats.deadLettered++;
    } catch (dlqError) {
      // The DLQ is unreachable: leave the message to JetStream. Redelivery retries the whole path,
      // and once max_deliver is spent the max-deliveries advisory brings it to the sweeper.
      this.options.logger?.error(
        { consumer: this.name, seq: msg.info.streamSequence, err: (dlqError as Error).message },
        'dead-lettering failed; leaving message for redelivery',
      );
      msg.nak(this.options.consumer.retryBackoffMs[0]);
    }
  }
}
