import type { JetStreamClient } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { MsgHdrs } from '@nats-io/transport-node';
import {
  DeadLettered,
  deadLetterSubject,
  deterministicUuidv7,
  type EventData,
} from '@keelson/schemas';
import { decodeJson } from './codec';
import type { EventPublisher, PublishResult } from './publisher';

/** Payload bytes copied into a dead letter; larger ones are referenced by stream and sequence. */
export const MAX_COPIED_PAYLOAD = 512 * 1024;

export type DeadLetterReason = EventData<typeof DeadLettered>['reason'];
export type DeadLetterFailure = EventData<typeof DeadLettered>['failure'];

/** Where payloads too large for a DLQ message go (the `dlq-payloads` object store), by shape. */
export interface PayloadStore {
  putBlob(meta: { name: string }, data: Uint8Array): Promise<unknown>;
}

/** Everything about a message that the DLQ keeps, whichever path found it dead. */
export interface FailedMessage {
  stream: string;
  consumer: string;
  subject: string;
  streamSequence: number;
  deliveryCount: number;
  headers: MsgHdrs | undefined;
  data: Uint8Array;
  /** When the original message was stored; seeds the dead letter's time-ordered id. */
  storedAtMs: number;
}

export function headersToRecord(headers: MsgHdrs | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of headers?.keys() ?? []) out[key] = headers!.values(key);
  return out;
}

/**
 * Copies a failed message, whole, to `dlq.<stream>.<consumer>` (a payload over 512 KB goes to the
 * `dlq-payloads` object store first, under the entry's id). The dead letter's id is derived
 * from (stream, consumer, sequence), so the handler's last-attempt path and the crash sweeper can
 * both report the same message and JetStream keeps a single entry.
 */
export class DeadLetterPublisher {
  constructor(
    private readonly publisher: EventPublisher,
    /** Without one, a payload too large to copy is kept only as a stream and sequence reference. */
    private readonly payloads?: PayloadStore,
  ) {}

  async deadLetter(
    message: FailedMessage,
    reason: DeadLetterReason,
    error: string,
    failure: DeadLetterFailure,
  ): Promise<PublishResult> {
    const id = deterministicUuidv7(
      message.storedAtMs,
      `dlq:${message.stream}:${message.consumer}:${message.streamSequence}`,
    );
    const large = message.data.length > MAX_COPIED_PAYLOAD;
    // Stored before the entry is published: an entry never points at a payload that is not there.
    if (large && this.payloads) await this.payloads.putBlob({ name: id }, message.data);
    const decoded = decodeJson(message.data);
    const eventId =
      decoded.ok && typeof (decoded.value as { id?: unknown })?.id === 'string'
        ? (decoded.value as { id: string }).id
        : undefined;
    const data: EventData<typeof DeadLettered> = {
      reason,
      failure,
      stream: message.stream,
      consumer: message.consumer,
      originalSubject: message.subject,
      streamSequence: message.streamSequence,
      deliveryCount: message.deliveryCount,
      error: error.slice(0, 4_000),
      headers: headersToRecord(message.headers),
      // Base64 grows a payload by a third: past this, the copy would not fit NATS's default 1 MB
      // message limit, so the entry keeps the reference (stream, sequence) instead of the bytes.
      payloadBase64: large ? '' : Buffer.from(message.data).toString('base64'),
      ...(large && this.payloads && { payloadObject: id }),
      payloadBytes: message.data.length,
      ...(eventId === undefined ? {} : { eventId }),
      failedAt: new Date().toISOString(),
    };
    return this.publisher.publish(DeadLettered, data, {
      natsSubject: deadLetterSubject(message.stream, message.consumer),
      subject: message.consumer,
      id,
    });
  }
}

/** The `dlq-payloads` object store (provisioned from the catalogue). */
export async function openPayloadStore(messaging: { js: JetStreamClient }): Promise<PayloadStore> {
  return new Objm(messaging.js).open('dlq-payloads');
}
