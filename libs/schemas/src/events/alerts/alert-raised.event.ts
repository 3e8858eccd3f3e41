import { Type } from '@sinclair/typebox';
import { defineEvent } from '../define-event';

export const AlertRaised = defineEvent({
  type: 'keelson.alert',
  subject: 'alert.>',
  stream: 'ALERTS',
  description: 'monitoring found something an operator or recovery must act on',
  data: Type.Object(
    {
      kind: Type.String({ description: 'e.g. node.unhealthy, node.recovered, drift, anomaly' }),
      severity: Type.Union([
        Type.Literal('info'),
        Type.Literal('warning'),
        Type.Literal('critical'),
      ]),
      target: Type.String({ description: 'the node, model or dataset concerned' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    },
    { additionalProperties: false },
  ),
});
