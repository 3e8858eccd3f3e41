import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/transport-node';
import {
  createEvent,
  formatIssues,
  subjectFor,
  subjectMatches,
  type CloudEvent,
  type EventData,
  type EventDefinition,
  type ValidationIssue,
} from '@keelson/schemas';
import { withBatchProducerSpan, withProducerSpan } from '@keelson/tracing';
import { encodeJson } from './codec';

/** An event that fails its own schema: a bug in the publishing code, so it is never sent. */
export class EventValidationError extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: ValidationIssue[],
  ) {
    super(`invalid ${eventType} event: ${formatIssues(issues)}`);
    this.name = 'EventValidationError';
  }
}

export interface PublishOptions {
  /** The NATS subject; defaults to the definition's subject with `*` filled by `subject`. */
  natsSubject?: string;
  /** CloudEvents `subject`: the dataset or model name. */
  subject?: string;
  /** Reuse an event id (a retry of the same fact) so JetStream drops the copy. */
  id?: string;
  /** Extra headers, e.g. when replaying a dead letter. */
  headers?: Record<string, string>;
  /** Give up waiting for the PubAck after this long (default 5 s). */
  timeoutMs?: number;
}

export interface PublishResult {
  id: string;
  stream: string;
  seq: number;
  /** JetStream already had this event id inside the duplicate window; nothing new was stored. */
  duplicate: boolean;
}

/**
 * Publishes Keelson events: validates the data against the event's schema, wraps it in the
 * CloudEvents envelope, sets `Nats-Msg-Id` to the event id and the trace headers, and resolves only
 * when JetStream has acknowledged storing it.
 */
export class EventPublisher {
  constructor(
    private readonly js: JetStreamClient,
    /** CloudEvents `source`: the service and node, e.g. `ingestion/node-1`. */
    private readonly source: string,
  ) {}

  async publish<E extends EventDefinition>(
    definition: E,
    data: EventData<E>,
    options: PublishOptions = {},
  ): Promise<PublishResult> {
    const checked = definition.validateData(data);
    if (!checked.ok) throw new EventValidationError(definition.type, checked.issues);
    const natsSubject = natsSubjectFor(definition, options);
    const event = createEvent({
      type: definition.type,
      source: this.source,
      data,
      subject: options.subject,
      id: options.id,
    });
    return this.publishEnvelope(natsSubject, event, options);
  }

  /**
   * Publishes many events of one type together (the records of one batch): each is validated and
   * gets its own envelope, id and PubAck, but they share one PRODUCER span, which per-record spans
   * would otherwise dominate the cost of. Resolves when every PubAck has arrived.
   */
  async publishMany<E extends EventDefinition>(
    definition: E,
    events: Array<{ data: EventData<E>; options?: PublishOptions }>,
  ): Promise<PublishResult[]> {
    if (events.length === 0) return [];
    const prepared = events.map(({ data, options = {} }) => {
      const checked = definition.validateData(data);
      if (!checked.ok) throw new EventValidationError(definition.type, checked.issues);
      const event = createEvent({
        type: definition.type,
        source: this.source,
        data,
        subject: options.subject,
        id: options.id,
      });
      return { natsSubject: natsSubjectFor(definition, options), event, options };
    });
    return withBatchProducerSpan(definition.subject, prepared.length, (inject) =>
      Promise.all(
        prepared.map(async ({ natsSubject, event, options }) => {
          const hdrs: MsgHdrs = natsHeaders();
          for (const [k, v] of Object.entries(options.headers ?? {})) hdrs.set(k, v);
          inject(hdrs);
          const ack: PubAck = await this.js.publish(natsSubject, encodeJson(event), {
            msgID: event.id,
            headers: hdrs,
            timeout: options.timeoutMs ?? 5_000,
          });
          return { id: event.id, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
        }),
      ),
    );
  }

  /** Sends an already-built envelope (for replays and relays); the caller vouches for its shape. */
  async publishEnvelope(
    natsSubject: string,
    event: CloudEvent<unknown>,
    options: Pick<PublishOptions, 'headers' | 'timeoutMs'> = {},
  ): Promise<PublishResult> {
    return this.publishRaw(natsSubject, encodeJson(event), event.id, event.type, options);
  }

  /** Sends bytes as they are, with the message id and trace headers; for dead letters and replays. */
  async publishRaw(
    natsSubject: string,
    payload: Uint8Array,
    msgId: string,
    eventType: string,
    options: Pick<PublishOptions, 'headers' | 'timeoutMs'> = {},
  ): Promise<PublishResult> {
    const hdrs: MsgHdrs = natsHeaders();
    for (const [k, v] of Object.entries(options.headers ?? {})) hdrs.set(k, v);
    return withProducerSpan(
      natsSubject,
      hdrs,
      { 'messaging.message.id': msgId, 'cloudevents.event_type': eventType },
      async () => {
        const ack: PubAck = await this.js.publish(natsSubject, payload, {
          msgID: msgId,
          headers: hdrs,
          timeout: options.timeoutMs ?? 5_000,
        });
        return { id: msgId, stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
      },
    );
  }
}

function natsSubjectFor(definition: EventDefinition, options: PublishOptions): string {
  const subject =
    options.natsSubject ??
    (definition.subject.includes('*')
      ? subjectFor(definition.subject, options.subject ?? '')
      : definition.subject);
  if (!subjectMatches(definition.subject, subject)) {
    throw new Error(`${definition.type} is published on ${definition.subject}, not on ${subject}`);
  }
  return subject;
}
