import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { FieldValue, IsoTime, Name } from '../common';

export const RecordValidated = defineEvent({
  type: 'keelson.record.validated',
  subject: 'records.validated.*',
  stream: 'RECORDS',
  description: 'a record that passed validation and is stored',
  data: Type.Object(
    {
      dataset: Name,
      schemaVersion: Type.Integer({ minimum: 1 }),
      /** The producer's key, else a content hash: a re-sent record gets the same id. */
      recordId: Type.String({ minLength: 1, maxLength: 256 }),
      values: Type.Record(Type.String(), FieldValue),
      receivedAt: IsoTime,
    },
    { additionalProperties: false },
  ),
});
