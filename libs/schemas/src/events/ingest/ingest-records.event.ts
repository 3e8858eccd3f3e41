import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';

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
      // Each record is checked against its dataset's schema by ingestion, so that a bad record is
      // rejected with its reasons, exactly as over HTTP, instead of failing the whole batch here.
      records: Type.Array(
        Type.Unknown({ description: 'one record: field name -> number, string, boolean or null' }),
        { minItems: 1, maxItems: 10_000 },
      ),
    },
    { additionalProperties: false },
  ),
});
