import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { Metrics, Name } from '../common';

// One file for the four training events: they share the job id and are read together.

export const TrainingRequested = defineEvent({
  type: 'keelson.training.requested',
  subject: 'training.requested',
  stream: 'ML',
  producerFacing: true,
  description: 'ask for a model to be trained on a dataset',
  data: Type.Object(
    {
      model: Name,
      dataset: Name,
      algorithm: Type.Union([Type.Literal('logistic'), Type.Literal('mlp')]),
      hyperparameters: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
      reason: Type.Optional(Type.String({ maxLength: 512 })),
    },
    { additionalProperties: false },
  ),
});

export const TrainingProgress = defineEvent({
  type: 'keelson.training.progress',
  subject: 'training.progress',
  stream: 'ML',
  description: 'one epoch of a training job finished',
  data: Type.Object(
    {
      jobId: Type.String(),
      model: Name,
      epoch: Type.Integer({ minimum: 0 }),
      epochs: Type.Integer({ minimum: 1 }),
      trainLoss: Type.Number(),
      validationLoss: Type.Optional(Type.Number()),
      metrics: Type.Optional(Metrics),
    },
    { additionalProperties: false },
  ),
});

export const TrainingCompleted = defineEvent({
  type: 'keelson.training.completed',
  subject: 'training.completed',
  stream: 'ML',
  description: 'a training job produced a registered model version',
  data: Type.Object(
    { jobId: Type.String(), model: Name, version: Type.Integer({ minimum: 1 }), metrics: Metrics },
    { additionalProperties: false },
  ),
});

export const TrainingFailed = defineEvent({
  type: 'keelson.training.failed',
  subject: 'training.failed',
  stream: 'ML',
  description: 'a training job failed',
  data: Type.Object(
    {
      jobId: Type.String(),
      model: Name,
      error: Type.String(),
      attempt: Type.Integer({ minimum: 1 }),
      willRetry: Type.Boolean(),
    },
    { additionalProperties: false },
  ),
});
