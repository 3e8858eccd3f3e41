import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { FieldValue } from '../common';

/**
 * What a producer publishes on `ingest.<dataset>`: one or more raw records. A record's own fields are
 * checked against the dataset's registered schema by ingestion, not here, because datasets are
 * registered at run time.
 */
export const IngestRecords = defineEvent({
  type: 'keelson.ingest.records',
  subject: 'ingest.*',
  stream: 'INGEST',
  producerFacing: true,
  description: 'raw records sent by a producer for a dataset',
  data: Type.Object(
    {
      records: Type.Array(Type.Record(Type.String({ maxLength: 128 }), FieldValue), {
        minItems: 1,
        maxItems: 10_000,
      }),
    },
    { additionalProperties: false },
  ),
});
