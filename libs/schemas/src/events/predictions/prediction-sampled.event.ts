import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { Name } from '../common';

export const PredictionSampled = defineEvent({
  type: 'keelson.prediction.sampled',
  subject: 'predictions.*',
  stream: 'PREDICTIONS',
  description: 'a sampled prediction request and its answer, for drift monitoring',
  data: Type.Object(
    {
      model: Name,
      version: Type.Integer({ minimum: 1 }),
      nodeId: Name,
      inputs: Type.Record(Type.String(), Type.Array(Type.Unknown())),
      outputs: Type.Record(Type.String(), Type.Array(Type.Unknown())),
      latencyMs: Type.Number({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
});
