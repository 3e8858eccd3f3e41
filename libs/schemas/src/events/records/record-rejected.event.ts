import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { IsoTime, Name, Reason } from '../common';

export const RecordRejected = defineEvent({
  type: 'keelson.record.rejected',
  subject: 'records.rejected.*',
  stream: 'RECORDS',
  description: 'a record that failed validation, with every reason',
  data: Type.Object(
    {
      dataset: Name,
      recordId: Type.Optional(Type.String({ maxLength: 256 })),
      /** The record as received, as JSON cut to 2 KB, with nested values elided. */
      preview: Type.String({ maxLength: 4096 }),
      reasons: Type.Array(Reason, { minItems: 1 }),
      receivedAt: IsoTime,
    },
    { additionalProperties: false },
  ),
});
