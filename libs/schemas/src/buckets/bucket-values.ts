import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { IsoTime, Name } from '../events/common';
import { compileValidator, formatIssues } from '../validation';

/**
 * The values of the KV buckets services share, one schema each: every writer builds them and
 * every reader checks them through these, so a value one service writes is a value the others
 * can read, and a malformed one (a bug, an operator's hand edit) is refused with its reasons
 * instead of crashing the reader.
 */

export const ROUTING_STATES = ['active', 'probation', 'ejected', 'drained'] as const;
export type RoutingState = (typeof ROUTING_STATES)[number];

/**
 * `routing`: prediction node id -> how much traffic it may take. `active` at `weight`; `probation`
 * at a small, growing weight (slow start) while it proves itself; `ejected`: none, and the node
 * fails its readiness; `drained`: none, by an operator's choice, readiness kept. Written by the
 * recovery leader (or an operator through recovery's API); no entry means active at full weight.
 */
export const RoutingValue = Type.Object(
  {
    state: Type.Union(ROUTING_STATES.map((s) => Type.Literal(s))),
    weight: Type.Number({ minimum: 0, maximum: 1 }),
    reason: Type.String({ maxLength: 1_000 }),
    /** When the node entered this state. */
    since: IsoTime,
    /** Times it has been ejected lately: each ejection lasts longer (base x count, capped). */
    ejections: Type.Integer({ minimum: 0 }),
    /** Ejected: not probed again before this. */
    until: Type.Optional(IsoTime),
    /** Set by an operator: recovery never changes it on its own. */
    manual: Type.Optional(Type.Boolean()),
    /** Who wrote it: the recovery instance, or the operator's API key id. */
    by: Type.Optional(Type.String({ maxLength: 200 })),
    /** The `node.unhealthy` alert this state answers: an alert is acted on once. */
    alertId: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);

/** `nodes`: prediction node id -> where it listens and what it serves (refreshed every second). */
export const NodeRegistration = Type.Object(
  {
    nodeId: Name,
    addresses: Type.Object(
      { http: Type.String({ maxLength: 512 }), grpc: Type.String({ maxLength: 512 }) },
      { additionalProperties: false },
    ),
    models: Type.Array(
      Type.Object(
        { name: Name, version: Type.Integer({ minimum: 1 }), ready: Type.Boolean() },
        { additionalProperties: false },
      ),
    ),
    startedAt: IsoTime,
    heartbeatAt: IsoTime,
  },
  { additionalProperties: false },
);

/** `models`: model name -> the versions serving follows (changed only by compare-and-set). */
export const ModelPointersValue = Type.Object(
  {
    production: Type.Optional(Type.Integer({ minimum: 1 })),
    canary: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Share of the model's unversioned traffic the canary takes, 0..1. */
    canaryWeight: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** Earlier production versions, newest last: what a rollback returns to. */
    history: Type.Array(Type.Integer({ minimum: 1 })),
    /** Version -> SHA-256 of its artifact in the `model-artifacts` object store. */
    artifacts: Type.Record(
      Type.String({ pattern: '^\\d+$' }),
      Type.String({ pattern: '^[0-9a-f]{64}$' }),
      { additionalProperties: false },
    ),
    updatedAt: IsoTime,
  },
  { additionalProperties: false },
);

export type RoutingValue = Static<typeof RoutingValue>;
export type NodeRegistration = Static<typeof NodeRegistration>;
export type ModelPointersValue = Static<typeof ModelPointersValue>;

export type BucketRead<T> = { ok: true; value: T } | { ok: false; error: string };

function reader<S extends TSchema>(schema: S, what: string) {
  const validate = compileValidator(schema);
  return (bytes: Uint8Array): BucketRead<Static<S>> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(new TextDecoder().decode(bytes));
    } catch (error) {
      return { ok: false, error: `${what} is not JSON: ${(error as Error).message}` };
    }
    const checked = validate(parsed);
    return checked.ok
      ? { ok: true, value: checked.value as Static<S> }
      : { ok: false, error: `invalid ${what}: ${formatIssues(checked.issues)}` };
  };
}

/** Parse and check a bucket entry's bytes; never throws. */
export const readRoutingValue = reader(RoutingValue, 'routing value');
export const readNodeRegistration = reader(NodeRegistration, 'nodes entry');
export const readModelPointers = reader(ModelPointersValue, 'models entry');

const writers = new Map<
  TSchema,
  (value: unknown) => ReturnType<ReturnType<typeof compileValidator>>
>();

/** Encodes a value after checking it: a writer with a bug fails loudly, before it writes. */
export function encodeBucketValue<S extends TSchema>(schema: S, value: Static<S>): string {
  let validate = writers.get(schema);
  if (!validate) {
    validate = compileValidator(schema);
    writers.set(schema, validate);
  }
  const checked = validate(value);
  if (!checked.ok)
    throw new Error(`refusing to write an invalid value: ${formatIssues(checked.issues)}`);
  return JSON.stringify(value);
}
