import { Type, type Static } from '@sinclair/typebox';

/**
 * What a model version's inputs and scores looked like in its training data, stored with the
 * version when it is registered (it travels in `model.registered`), so drift monitoring compares
 * live traffic against the data the model learned from rather than against last week's traffic.
 * Shares are of all reference rows, missing values included: a feature's shares sum to 1.
 */
export const NumericReference = Type.Object(
  {
    kind: Type.Literal('number'),
    /**
     * Interior bin edges, strictly ascending (quantiles of the training values). Bin 0 holds
     * values <= edges[0], bin i values in (edges[i-1], edges[i]], the last bin values > the last
     * edge: `edges.length + 1` bins.
     */
    edges: Type.Array(Type.Number()),
    /** Share of rows in each bin (`edges.length + 1` entries). */
    shares: Type.Array(Type.Number({ minimum: 0, maximum: 1 })),
    /** Share of rows whose value was missing (null, absent or not a number). */
    missing: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

export const CategoryReference = Type.Object(
  {
    kind: Type.Literal('category'),
    /** Share of rows per category seen in training (the most frequent ones). */
    shares: Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 1 })),
    /** Share of rows with a category not listed (rare in training, or never seen). */
    other: Type.Number({ minimum: 0, maximum: 1 }),
    missing: Type.Number({ minimum: 0, maximum: 1 }),
  },
  { additionalProperties: false },
);

export const FeatureReference = Type.Union([NumericReference, CategoryReference]);

export const DriftReferenceSchema = Type.Object(
  {
    /** Training rows the distributions were taken from. */
    rows: Type.Integer({ minimum: 1 }),
    /** By the model's raw input name (one input tensor per feature). */
    features: Type.Record(Type.String(), FeatureReference),
    /**
     * The model's score on its holdout rows: column `column` of output `output` (the positive
     * class's probability for a binary classifier), binned like a numeric feature.
     */
    score: Type.Optional(
      Type.Object(
        {
          output: Type.String(),
          column: Type.Integer({ minimum: 0 }),
          edges: Type.Array(Type.Number()),
          shares: Type.Array(Type.Number({ minimum: 0, maximum: 1 })),
          /**
           * Share of holdout rows whose score was not a finite number, so that, as for a feature,
           * the shares sum to 1 and a model that starts answering NaN shows up as drift.
           */
          missing: Type.Number({ minimum: 0, maximum: 1 }),
          rows: Type.Integer({ minimum: 1 }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type NumericReference = Static<typeof NumericReference>;
export type CategoryReference = Static<typeof CategoryReference>;
export type FeatureReference = Static<typeof FeatureReference>;
export type DriftReference = Static<typeof DriftReferenceSchema>;
