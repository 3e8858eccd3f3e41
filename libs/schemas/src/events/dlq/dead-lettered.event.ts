import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';

/**
 * Why the last delivery ended the message's life. `handler-failed`: the handler threw.
 * `handler-timeout`: it was still running at its consumer's `handlerDeadlineMs` (a hung
 * dependency, say). `max-deliveries`: its process died without a verdict. `invalid-event`: the
 * message could never be handled as sent.
 */
export const DeadLetterReason = Type.Union([
  Type.Literal('handler-failed'),
  Type.Literal('handler-timeout'),
  Type.Literal('max-deliveries'),
  Type.Literal('invalid-event'),
]);

/**
 * `terminal`: no retry can help (an invalid event, a handler's TerminalError): never replayed on
 * its own, only by an operator. `exhausted`: the retries ran out (a dependency down, a bug since
 * fixed): replayed when the consumer's service is healthy again.
 */
export const DeadLetterFailure = Type.Union([Type.Literal('terminal'), Type.Literal('exhausted')]);

/**
 * A message that could not be processed, kept whole so recovery can replay it to its original
 * subject: headers (including Nats-Msg-Id and traceparent) and the exact payload bytes.
 */
export const DeadLettered = defineEvent({
  type: 'keelson.dlq.entry',
  subject: 'dlq.*.*',
  stream: 'DLQ',
  description: 'a message that failed after its retries, with the last error',
  data: Type.Object(
    {
      reason: DeadLetterReason,
      failure: DeadLetterFailure,
      stream: Type.String(),
      consumer: Type.String(),
      originalSubject: Type.String(),
      streamSequence: Type.Integer({ minimum: 1 }),
      deliveryCount: Type.Integer({ minimum: 0 }),
      error: Type.String(),
      headers: Type.Record(Type.String(), Type.Array(Type.String())),
      /**
       * Base64 of the original payload bytes (the payload may not even be JSON). Empty when the
       * payload was too large to copy into a DLQ message: then it is in `payloadObject`.
       */
      payloadBase64: Type.String(),
      /** The object in the `dlq-payloads` store that holds a payload too large to copy here. */
      payloadObject: Type.Optional(Type.String({ maxLength: 256 })),
      payloadBytes: Type.Optional(Type.Integer({ minimum: 0 })),
      /** The original event id when the payload was a readable envelope. */
      eventId: Type.Optional(Type.String()),
      failedAt: Type.String(),
    },
    { additionalProperties: false },
  ),
});
