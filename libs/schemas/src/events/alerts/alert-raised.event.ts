import { Type, type Static } from '@sinclair/typebox';
import { defineEvent } from '../define-event';
import { IsoTime } from '../common';

/** Every kind monitoring (and recovery, for `pool.degraded` and `dlq.parked`) raises. */
export const ALERT_KINDS = [
  'node.unhealthy',
  'node.recovered',
  'pool.degraded',
  'anomaly',
  'capacity.forecast',
  'slo.burn',
  'drift',
  'dlq.parked',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export const AlertKindSchema = Type.Union(ALERT_KINDS.map((k) => Type.Literal(k)));
export const AlertSeverity = Type.Union([
  Type.Literal('info'),
  Type.Literal('warning'),
  Type.Literal('critical'),
]);
export const AlertState = Type.Union([Type.Literal('firing'), Type.Literal('resolved')]);

/**
 * One alert's state change. An alert is identified by its key (kind + target): at most one
 * firing alert per key, and the event that clears it carries the same `alertId` with state
 * `resolved`. Notices (`node.recovered`) are born resolved: they tell, they do not stay open.
 * Published on `alert.<kind>`.
 */
export const AlertRaised = defineEvent({
  type: 'keelson.alert',
  subject: 'alert.>',
  stream: 'ALERTS',
  description: 'monitoring found something an operator or recovery must act on, or it cleared',
  data: Type.Object(
    {
      /** The firing episode: the same id from firing to resolved. */
      alertId: Type.String({ minLength: 1, maxLength: 64 }),
      /** `<kind>:<target>`, the deduplication key. */
      key: Type.String({ minLength: 1, maxLength: 400 }),
      kind: AlertKindSchema,
      state: AlertState,
      severity: AlertSeverity,
      /** The node, model, dataset or series concerned. */
      target: Type.String({ minLength: 1, maxLength: 256 }),
      /** One line for a human. */
      message: Type.String({ maxLength: 2_000 }),
      /** Why, in short machine-readable phrases (e.g. `missed-heartbeats`, `server-errors`). */
      reasons: Type.Array(Type.String({ maxLength: 200 }), { maxItems: 32 }),
      /** The figures behind the verdict. */
      evidence: Type.Record(Type.String(), Type.Unknown()),
      startsAt: IsoTime,
      endsAt: Type.Optional(IsoTime),
    },
    { additionalProperties: false },
  ),
});

export type AlertData = Static<typeof AlertRaised.data>;
export type AlertSeverityName = Static<typeof AlertSeverity>;
