import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { UUID_V7_PATTERN, uuidv7 } from './ids';

const ULID_PATTERN = '^[0-9A-HJKMNP-TV-Z]{26}$';

/** Fields every Keelson event carries: a CloudEvents 1.0 structured-mode JSON envelope. */
export function envelopeSchema<D extends TSchema>(data: D, type?: string) {
  return Type.Object(
    {
      specversion: Type.Literal('1.0'),
      id: Type.Union(
        [Type.String({ pattern: UUID_V7_PATTERN }), Type.String({ pattern: ULID_PATTERN })],
        { description: 'UUIDv7 or ULID; also the Nats-Msg-Id, so re-publishing is deduplicated' },
      ),
      source: Type.String({
        minLength: 1,
        maxLength: 256,
        description: 'emitting service and node',
      }),
      type: type ? Type.Literal(type) : Type.String({ minLength: 1, maxLength: 128 }),
      time: Type.String({
        pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$',
      }),
      subject: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
      datacontenttype: Type.Literal('application/json'),
      data,
    },
    { additionalProperties: false },
  );
}

/** The envelope with its data left open; used to read the type before picking the data schema. */
export const AnyEnvelope = envelopeSchema(Type.Unknown());
export type AnyEnvelope = Static<typeof AnyEnvelope>;

export interface CloudEvent<D> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  data: D;
}

export interface NewEvent<D> {
  type: string;
  source: string;
  data: D;
  subject?: string;
  /** Reuse an id to make a re-publish of the same fact a duplicate (e.g. a DLQ replay). */
  id?: string;
  time?: Date;
}

export function createEvent<D>(event: NewEvent<D>): CloudEvent<D> {
  return {
    specversion: '1.0',
    id: event.id ?? uuidv7(),
    source: event.source,
    type: event.type,
    time: (event.time ?? new Date()).toISOString(),
    ...(event.subject === undefined ? {} : { subject: event.subject }),
    datacontenttype: 'application/json',
    data: event.data,
  };
}
