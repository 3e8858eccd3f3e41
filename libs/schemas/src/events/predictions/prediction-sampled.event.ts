import { Type, type Static } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { IsoTime, Name } from '../common';

/**
 * A tensor as the request or answer carried it: name, Open Inference Protocol datatype, shape and
 * the values flattened in row-major order (64-bit integers beyond 2^53 as decimal strings; NaN
 * and infinities, which JSON cannot carry, as null: a missing value to drift monitoring). Drift
 * monitoring reads row i of every input, so the shape must survive the trip.
 */
export const SampledTensor = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    datatype: Type.String({ pattern: '^(BOOL|U?INT(8|16|32|64)|FP(16|32|64)|BF16|BYTES)$' }),
    shape: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 16 }),
    data: Type.Array(Type.Union([Type.Number(), Type.String(), Type.Boolean(), Type.Null()])),
  },
  { additionalProperties: false },
);

export const PredictionSample = Type.Object(
  {
    at: IsoTime,
    latencyMs: Type.Number({ minimum: 0 }),
    inputs: Type.Array(SampledTensor),
    outputs: Type.Array(SampledTensor),
  },
  { additionalProperties: false },
);

export const PredictionSampled = defineEvent({
  type: 'keelson.prediction.sampled',
  subject: 'predictions.*',
  stream: 'PREDICTIONS',
  description:
    'sampled prediction requests of one model version and their answers, for drift monitoring',
  data: Type.Object(
    {
      model: Name,
      version: Type.Integer({ minimum: 1 }),
      nodeId: Name,
      /** Gathered for up to a second (or a size limit), so a busy node sends few messages. */
      samples: Type.Array(PredictionSample, { minItems: 1 }),
      /**
       * Samples this node could not send since it started (its buffer was full, or publishing
       * failed): a smaller sample is never a silent one.
       */
      droppedSinceStart: Type.Integer({ minimum: 0 }),
    },
    { additionalProperties: false },
  ),
});

export type SampledTensor = Static<typeof SampledTensor>;
export type PredictionSample = Static<typeof PredictionSample>;
