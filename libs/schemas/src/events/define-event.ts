import type { Static, TSchema } from '@sinclair/typebox';

import { envelopeSchema } from '../envelope';
import { compileValidator, type Validator } from '../validation';

export interface EventDefinition<S extends TSchema = TSchema> {
  /** CloudEvents `type`, e.g. `keelson.record.validated`. */
  readonly type: string;
  /** NATS subject pattern; `*` tokens are the dataset, model or node name. */
  readonly subject: string;
  readonly stream: string;
  readonly description: string;
  /** Shown in the published JSON Schemas for producers. */
  readonly producerFacing: boolean;
  readonly data: S;
  readonly envelope: TSchema;
  /** Validates a whole envelope whose data must match this event. */
  readonly validate: Validator<{ type: string; data: Static<S> }>;
  readonly validateData: Validator<Static<S>>;
}

export type EventData<E extends EventDefinition> = Static<E['data']>;

export function defineEvent<S extends TSchema>(def: {
  type: string;
  subject: string;
  stream: string;
  description: string;
  data: S;
  producerFacing?: boolean;
}): EventDefinition<S> {
  const envelope = envelopeSchema(def.data, def.type);
  return {
    ...def,
    producerFacing: def.producerFacing ?? false,
    envelope,
    validate: compileValidator(envelope) as unknown as Validator<{ type: string; data: Static<S> }>,
    validateData: compileValidator(def.data),
  };
}
