import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { Name } from '../common';

export const FeatureRowCreated = defineEvent({
  type: 'keelson.features.row',
  subject: 'features.*',
  stream: 'FEATURES',
  description: 'a record transformed into model-ready features',
  data: Type.Object(
    {
      dataset: Name,
      recordId: Type.String({ minLength: 1, maxLength: 256 }),
      /** The transform spec that produced this row; training bakes the same one into the model. */
      transformVersion: Type.Integer({ minimum: 1 }),
      features: Type.Array(Type.Number()),
      label: Type.Union([Type.Number(), Type.String(), Type.Null()]),
    },
    { additionalProperties: false },
  ),
});
