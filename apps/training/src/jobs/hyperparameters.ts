import { Type, type Static } from '@sinclair/typebox';
import { compileValidator, formatIssues } from '@keelson/schemas';

/** What a training request may tune; everything else is the trainer's default. */
export const Hyperparameters = Type.Object(
  {
    hidden: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 1024 }), { maxItems: 8 })),
    epochs: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 65_536 })),
    learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
    l2: Type.Optional(Type.Number({ minimum: 0, maximum: 10 })),
    validationFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
    patience: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 })),
  },
  { additionalProperties: false },
);
export type Hyperparameters = Static<typeof Hyperparameters>;

const check = compileValidator(Hyperparameters);

/** Defaults per algorithm: an MLP gets one hidden layer of 32 unless told otherwise. */
export function resolveHyperparameters(
  algorithm: 'logistic' | 'mlp',
  given: unknown,
): { ok: true; value: Hyperparameters } | { ok: false; error: string } {
  const checked = check(given ?? {});
  if (!checked.ok) return { ok: false, error: `hyperparameters: ${formatIssues(checked.issues)}` };
  const value = { ...checked.value };
  if (algorithm === 'logistic') {
    if (value.hidden?.length)
      return { ok: false, error: 'hyperparameters: logistic regression has no hidden layers' };
    value.hidden = [];
  } else value.hidden ??= [32];
  return {
    ok: true,
    value: {
      epochs: 40,
      batchSize: 128,
      learningRate: algorithm === 'logistic' ? 0.01 : 0.003,
      l2: 1e-4,
      validationFraction: 0.1,
      patience: 5,
      seed: 1,
      ...value,
    },
  };
}
