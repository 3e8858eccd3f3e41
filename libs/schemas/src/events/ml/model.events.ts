import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { Metrics, Name } from '../common';
import { DriftReferenceSchema } from './drift-reference';

export const ModelStage = Type.Union([
  Type.Literal('registered'),
  Type.Literal('canary'),
  Type.Literal('production'),
  Type.Literal('archived'),
]);

export const ModelRegistered = defineEvent({
  type: 'keelson.model.registered',
  subject: 'model.registered',
  stream: 'ML',
  description: 'a new model version is in the registry',
  data: Type.Object(
    {
      model: Name,
      version: Type.Integer({ minimum: 1 }),
      dataset: Type.Optional(Name),
      transformVersion: Type.Optional(Type.Integer({ minimum: 1 })),
      metrics: Metrics,
      artifact: Type.Object({
        sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        sizeBytes: Type.Integer({ minimum: 1 }),
      }),
      stage: ModelStage,
      /**
       * The training data's distributions (inputs and holdout scores), for drift monitoring.
       * Absent for uploaded models, which come without their training data.
       */
      reference: Type.Optional(DriftReferenceSchema),
    },
    { additionalProperties: false },
  ),
});

export const ModelPromoted = defineEvent({
  type: 'keelson.model.promoted',
  subject: 'model.promoted',
  stream: 'ML',
  description: 'a model version became production or canary',
  data: Type.Object(
    {
      model: Name,
      version: Type.Integer({ minimum: 1 }),
      stage: Type.Union([Type.Literal('production'), Type.Literal('canary')]),
      previousVersion: Type.Optional(Type.Integer({ minimum: 1 })),
      canaryWeight: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
      reason: Type.String(),
    },
    { additionalProperties: false },
  ),
});

export const ModelRetired = defineEvent({
  type: 'keelson.model.retired',
  subject: 'model.retired',
  stream: 'ML',
  description: 'a model version was archived or rolled back',
  data: Type.Object(
    { model: Name, version: Type.Integer({ minimum: 1 }), reason: Type.String() },
    { additionalProperties: false },
  ),
});
