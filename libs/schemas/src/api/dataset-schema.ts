import { Type, type Static } from '@sinclair/typebox';

export const FIELD_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]{0,63}$';

export const FieldType = Type.Union([
  Type.Literal('number'),
  Type.Literal('integer'),
  Type.Literal('boolean'),
  Type.Literal('category'),
  Type.Literal('timestamp'),
]);
export type FieldType = Static<typeof FieldType>;

export const FieldSpec = Type.Object(
  {
    type: FieldType,
    /** Defaults to true: a field is required unless the schema says otherwise. */
    required: Type.Optional(Type.Boolean()),
    min: Type.Optional(Type.Number({ description: 'number and integer fields' })),
    max: Type.Optional(Type.Number({ description: 'number and integer fields' })),
    values: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 256 }), {
        minItems: 1,
        maxItems: 10_000,
        uniqueItems: true,
        description: 'allowed values of a category field; omit for an open vocabulary',
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type FieldSpec = Static<typeof FieldSpec>;

/** The body of `PUT /v1/datasets/{name}`. */
export const DatasetSchemaBody = Type.Object(
  {
    // additionalProperties: a Record's pattern alone checks only the names that match it, so a
    // field named against the rule would pass with any definition (even null) unchecked.
    fields: Type.Record(Type.String({ pattern: FIELD_NAME_PATTERN }), FieldSpec, {
      minProperties: 1,
      maxProperties: 256,
      additionalProperties: false,
    }),
    /** The field a model learns to predict. */
    label: Type.String({ pattern: FIELD_NAME_PATTERN }),
    /** The producer's record key: a re-sent record with the same key is a duplicate. */
    key: Type.Optional(Type.String({ pattern: FIELD_NAME_PATTERN })),
    description: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
export type DatasetSchemaBody = Static<typeof DatasetSchemaBody>;

export interface DatasetDefinition extends DatasetSchemaBody {
  name: string;
  version: number;
}

/** A reason a record (or a schema) was refused: which field, and why, in words. */
export interface FieldReason {
  field: string;
  reason: string;
}
