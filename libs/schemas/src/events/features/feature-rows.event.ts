import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { Name } from '../common';

/** Rows per `features.<dataset>` event, like MAX_RECORDS_PER_EVENT. */
export const MAX_ROWS_PER_EVENT = 500;

/**
 * One event per batch of stored feature rows (per `records.validated` event consumed), for the same
 * reason records are announced in batches. Consumers dedupe by `recordId`.
 */
export const FeatureRowsCreated = defineEvent({
  type: 'keelson.features.rows',
  subject: 'features.*',
  stream: 'FEATURES',
  description: 'a batch of records transformed into model-ready feature rows',
  data: Type.Object(
    {
      dataset: Name,
      rows: Type.Array(
        Type.Object(
          {
            recordId: Type.String({ minLength: 1, maxLength: 256 }),
            /** The transform spec that produced this row; training bakes the same one into the model. */
            transformVersion: Type.Integer({ minimum: 1 }),
            features: Type.Array(Type.Number()),
            label: Type.Union([Type.Number(), Type.String(), Type.Null()]),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: MAX_ROWS_PER_EVENT },
      ),
    },
    { additionalProperties: false },
  ),
});
