import {
  OPENAPI_ERROR_SCHEMA,
  openApiError,
  openApiJson,
  openApiServicePaths,
  withCommonResponses,
} from '@keelson/service-kit';

const error = openApiError;
const json = openApiJson;
const object = { type: 'object' };
const auth = (scope: string) => ({
  '401': error('missing or invalid API key'),
  '403': error(`the key lacks the ${scope} scope`),
  '429': error('rate limit of the key exceeded; see Retry-After'),
});
const id = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string' },
  description: what,
});
const routingBody = (duration: boolean) => ({
  required: true,
  content: json({
    type: 'object',
    required: ['reason'],
    additionalProperties: false,
    properties: {
      reason: { type: 'string', minLength: 1, maxLength: 500, description: 'why (audited)' },
      ...(duration && {
        durationMs: {
          type: 'integer',
          minimum: 1_000,
          maximum: 604_800_000,
          description: 'then probed as recovery would; without it, out until admitted',
        },
      }),
    },
  }),
});
const routingAction = (summary: string, duration: boolean) => ({
  parameters: [id('the prediction node')],
  post: {
    summary,
    requestBody: routingBody(duration),
    responses: {
      '200': { description: 'the new routing entry', content: json(object) },
      '400': error('invalid node id or body; `details` names each problem'),
      '404': error('no such node is registered or routed'),
      '409': error('the entry changed meanwhile; look again and retry'),
      ...auth('routing:write'),
    },
  },
});
const selection = {
  group: { type: 'string' },
  stream: { type: 'string' },
  consumer: { type: 'string' },
  from: { type: 'string', format: 'date-time' },
  to: { type: 'string', format: 'date-time' },
  failure: { enum: ['terminal', 'exhausted'] },
};
const STATES = ['pending', 'replayed', 'resolved', 'parked', 'archived'];

/** The recovery API as OpenAPI 3.1; served at /openapi.json and kept in docs/openapi/. */
export const recoveryOpenApi = withCommonResponses({
  openapi: '3.1.0',
  info: {
    title: 'Keelson recovery',
    version: '1.0.0',
    description:
      'Node routing (eject, admit, drain) and dead letters (groups, entries, replays, archive), every change audited. Scopes: `routing:read`, `routing:write`, `dlq:read`, `dlq:replay` (or `admin`). Every error is `{ "error": "...", "details": [{ "field", "reason" }] }`.',
  },
  servers: [{ url: 'http://127.0.0.1:8085' }],
  security: [{ apiKey: [] }],
  paths: {
    '/v1/nodes': {
      get: {
        summary:
          'Each node: routing state, weight, reason, since, ejections, alert, held by the pool cap, last probe; each pool',
        responses: {
          '200': { description: 'the pool', content: json(object) },
          ...auth('routing:read'),
        },
      },
    },
    '/v1/nodes/{id}/eject': routingAction(
      'Eject a node (an operator ejection is left alone by recovery)',
      true,
    ),
    '/v1/nodes/{id}/admit': routingAction('Admit a node into probation (slow start)', false),
    '/v1/nodes/{id}/drain': routingAction('Drain a node: no traffic, readiness kept', false),
    '/v1/dlq/groups': {
      get: {
        summary:
          'Dead-letter groups (stream, consumer, error fingerprint) with counts by state and replay status',
        responses: {
          '200': { description: 'groups, and the services heard from', content: json(object) },
          ...auth('dlq:read'),
        },
      },
    },
    '/v1/dlq/groups/{id}': {
      parameters: [id('the group')],
      get: {
        summary: 'One group',
        responses: {
          '200': { description: 'the group', content: json(object) },
          '400': error('invalid id'),
          '404': error('no such group'),
          ...auth('dlq:read'),
        },
      },
    },
    '/v1/dlq/entries': {
      get: {
        summary: 'Dead letters, oldest first, without payloads',
        parameters: [
          ...Object.entries(selection).map(([name, schema]) => ({ name, in: 'query', schema })),
          {
            name: 'state',
            in: 'query',
            schema: { type: 'string', description: `comma-separated: ${STATES.join(', ')}` },
          },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: {
          '200': { description: 'entries', content: json(object) },
          '400': error('a filter is unknown or invalid; `details` names it'),
          ...auth('dlq:read'),
        },
      },
    },
    '/v1/dlq/entries/{id}': {
      parameters: [id('the entry')],
      get: {
        summary: 'One dead letter: decoded payload, headers, error, replays',
        responses: {
          '200': { description: 'the entry', content: json(object) },
          '400': error('invalid id'),
          '404': error('no such entry'),
          ...auth('dlq:read'),
        },
      },
    },
    '/v1/dlq/replays': {
      get: {
        summary: 'Replay tasks, newest first',
        responses: { '200': { description: 'tasks', content: json(object) }, ...auth('dlq:read') },
      },
      post: {
        summary: 'Replay a selection at a rate (a task), or count it (dryRun)',
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            additionalProperties: false,
            properties: {
              ...selection,
              ids: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 10_000 },
              states: {
                type: 'array',
                items: { enum: STATES },
                description: 'default pending and parked',
              },
              rate: {
                type: 'integer',
                minimum: 0,
                maximum: 100_000,
                description: 'messages/s; 0: as fast as possible',
              },
              dryRun: { type: 'boolean' },
              reason: { type: 'string', minLength: 1, maxLength: 500 },
            },
          }),
        },
        responses: {
          '202': { description: 'the task, running', content: json(object) },
          '200': {
            description: 'a dry run: how many entries it would replay',
            content: json(object),
          },
          '400': error('invalid selection; `details` names each problem'),
          ...auth('dlq:replay'),
        },
      },
    },
    '/v1/dlq/replays/{id}': {
      parameters: [id('the task')],
      get: {
        summary: 'One replay task: progress, cursor, outcome',
        responses: {
          '200': { description: 'the task', content: json(object) },
          '400': error('invalid id'),
          '404': error('no such task'),
          ...auth('dlq:read'),
        },
      },
    },
    '/v1/dlq/replays/{id}/cancel': {
      parameters: [id('the task')],
      post: {
        summary: 'Cancel a running task (what it replayed stays replayed; the rest stays pending)',
        requestBody: {
          required: false,
          content: json({ type: 'object', properties: { reason: { type: 'string' } } }),
        },
        responses: {
          '200': { description: 'the task', content: json(object) },
          '400': error('invalid id or body'),
          '404': error('no such task'),
          ...auth('dlq:replay'),
        },
      },
    },
    '/v1/dlq/archive': {
      post: {
        summary: 'Set pending or parked entries aside (by group or ids)',
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['reason'],
            additionalProperties: false,
            properties: {
              group: { type: 'string' },
              ids: { type: 'array', items: { type: 'string' } },
              reason: { type: 'string' },
            },
          }),
        },
        responses: {
          '200': { description: 'how many were archived', content: json(object) },
          '400': error('invalid body; `details` names each problem'),
          ...auth('dlq:replay'),
        },
      },
    },
    '/v1/audit': {
      get: {
        summary: 'The audit trail, newest first: who, when, what, on what, why',
        parameters: [
          { name: 'target', in: 'query', schema: { type: 'string' } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: {
          '200': { description: 'entries', content: json(object) },
          '400': error('invalid limit'),
          ...auth('dlq:read'),
        },
      },
    },
    '/openapi.json': {
      get: {
        summary: 'This document',
        security: [],
        responses: { '200': { description: 'OpenAPI 3.1' } },
      },
    },
    ...openApiServicePaths('Node process metrics'),
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'http', scheme: 'bearer', description: '`kls_<id>_<secret>`' },
    },
    schemas: { Error: OPENAPI_ERROR_SCHEMA },
  },
});
