import { Type } from '@sinclair/typebox';

/** Dataset, model and node names become subject tokens; see subjects.ts. */
export const Name = Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$' });
export const IsoTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T' });
export const Probability = Type.Number({ minimum: 0, maximum: 1 });
/** A raw feature value as a producer sends it; null marks a missing value. */
export const FieldValue = Type.Union([
  Type.Number(),
  Type.String({ maxLength: 1024 }),
  Type.Boolean(),
  Type.Null(),
]);
export const Metrics = Type.Record(Type.String(), Type.Number());
export const Reason = Type.Object(
  { field: Type.String(), reason: Type.String() },
  { additionalProperties: false },
);
