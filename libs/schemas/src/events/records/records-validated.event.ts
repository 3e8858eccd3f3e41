import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { FieldValue, IsoTime, Name } from '../common';

/** Records per `records.validated` event: keeps an event well under NATS's 1 MB payload limit. */
export const MAX_RECORDS_PER_EVENT = 500;

/**
 * One event per stored batch, not per record: a producer's batch of 100 records costs one
 * JetStream message instead of 100, which is most of the CPU the data path spends (see
 * docs/benchmarks.md). Each record is in exactly one event id, ever: a record stored by an
 * earlier delivery makes ingestion publish its first event again, whole and under the same id, so
 * a crash between storing and publishing loses nothing and consumers may dedupe by event id.
 */
export const RecordsValidated = defineEvent({
  type: 'keelson.records.validated',
  subject: 'records.validated.*',
  stream: 'RECORDS',
  description: 'a batch of records that passed validation and are stored',
  data: Type.Object(
    {
      dataset: Name,
      schemaVersion: Type.Integer({ minimum: 1 }),
      records: Type.Array(
        Type.Object(
          {
            /** The producer's key, else a content hash: a re-sent record gets the same id. */
            recordId: Type.String({ minLength: 1, maxLength: 256 }),
            values: Type.Record(Type.String(), FieldValue),
            /** When the record was first stored (a re-announced record keeps its first arrival). */
            receivedAt: IsoTime,
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: MAX_RECORDS_PER_EVENT },
      ),
    },
    { additionalProperties: false },
  ),
});
