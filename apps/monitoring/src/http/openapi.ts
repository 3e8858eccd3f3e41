import { ALERT_KINDS } from '@keelson/schemas';
import {
  OPENAPI_ERROR_SCHEMA,
  openApiError,
  openApiJson,
  openApiServicePaths,
  withCommonResponses,
} from '@keelson/service-kit';

const error = openApiError;
const json = openApiJson;
const common = {
  '401': error('missing or invalid API key'),
  '403': error('the key lacks the monitoring:read scope'),
  '429': error('rate limit of the key exceeded; see Retry-After'),
};
const object = { type: 'object' };

const stamp = { type: 'string', format: 'date-time' };
const nullable = (schema: object) => ({ oneOf: [schema, { type: 'null' }] });
const ConsoleOverview = {
  type: 'object',
  required: ['generatedAt', 'jaegerUrl', 'pool', 'models', 'alerts'],
  properties: {
    generatedAt: stamp,
    jaegerUrl: nullable({ type: 'string' }),
    pool: {
      type: 'array',
      items: {
        type: 'object',
        required: ['nodeId', 'health', 'routing', 'status'],
        properties: {
          nodeId: { type: 'string' },
          address: nullable({ type: 'string' }),
          models: { type: 'array', items: { type: 'string' } },
          heartbeatAt: nullable(stamp),
          health: object,
          routing: {
            type: 'object',
            properties: {
              state: { enum: ['active', 'probation', 'ejected', 'drained'] },
              weight: { type: 'number', minimum: 0, maximum: 1 },
            },
          },
          callsPerSecond: nullable({ type: 'number' }),
          status: { enum: ['ok', 'warning', 'out'] },
        },
      },
    },
    models: { type: 'array', items: object },
    alerts: {
      type: 'object',
      properties: {
        firing: { type: 'array', items: { $ref: '#/components/schemas/Alert' } },
        recent: { type: 'array', items: { $ref: '#/components/schemas/Alert' } },
      },
    },
  },
};
const ConsoleDlq = {
  type: 'object',
  required: ['generatedAt', 'groups', 'tasks'],
  properties: {
    generatedAt: stamp,
    groups: { type: 'array', items: object },
    tasks: { type: 'array', items: object },
  },
};

/** The monitoring API as OpenAPI 3.1; served at /openapi.json and kept in docs/openapi/. */
export const monitoringOpenApi = withCommonResponses({
  openapi: '3.1.0',
  info: {
    title: 'Keelson monitoring',
    version: '1.0.0',
    description:
      'Node health, alerts, drift, SLOs and the operator console (`/console`). Reads need a key with the `monitoring:read` scope (or `admin`); the console\'s dead-letter routes need what recovery needs (`dlq:read`, `dlq:replay`) and pass the key on to it. Every error is `{ "error": "...", "details": [{ "field", "reason" }] }`.',
  },
  servers: [{ url: 'http://127.0.0.1:8084' }],
  security: [{ apiKey: [] }],
  paths: {
    '/v1/nodes': {
      get: {
        summary: 'Every prediction node: state, score, reasons, signals and figures',
        responses: {
          '200': {
            description: 'the pool as of the last scoring tick',
            content: json({
              type: 'object',
              properties: {
                nodes: { type: 'array', items: { $ref: '#/components/schemas/Node' } },
              },
            }),
          },
          ...common,
        },
      },
    },
    '/v1/alerts': {
      get: {
        summary: 'Alerts, newest first, filtered by state, kind and target',
        parameters: [
          { name: 'state', in: 'query', schema: { enum: ['firing', 'resolved'] } },
          { name: 'kind', in: 'query', schema: { enum: [...ALERT_KINDS] } },
          { name: 'target', in: 'query', schema: { type: 'string', minLength: 1, maxLength: 256 } },
          {
            name: 'limit',
            in: 'query',
            schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          },
        ],
        responses: {
          '200': {
            description: 'matching alerts',
            content: json({
              type: 'object',
              properties: {
                alerts: { type: 'array', items: { $ref: '#/components/schemas/Alert' } },
              },
            }),
          },
          '400': error('a filter is unknown or its value is invalid; `details` names it'),
          ...common,
          '503': error('the database is unavailable'),
        },
      },
    },
    '/v1/alerts/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        summary: 'One alert episode',
        responses: {
          '200': {
            description: 'the alert',
            content: json({ $ref: '#/components/schemas/Alert' }),
          },
          '400': error('not an alert id (a UUIDv7)'),
          '404': error('no such alert'),
          ...common,
          '503': error('the database is unavailable'),
        },
      },
    },
    '/v1/drift/{model}': {
      parameters: [
        {
          name: 'model',
          in: 'path',
          required: true,
          schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
        },
      ],
      get: {
        summary: "A model's drift: each version's reference, open window and recent verdicts",
        responses: {
          '200': { description: 'drift per version', content: json(object) },
          '400': error('invalid model name'),
          '404': error('monitoring knows no trained version of the model'),
          ...common,
        },
      },
    },
    '/v1/slos': {
      get: {
        summary: 'Gateway SLOs per model: objectives, burn rates per window, firing rules, budget',
        responses: { '200': { description: 'every SLO', content: json(object) }, ...common },
      },
    },
    '/v1/series': {
      get: {
        summary: 'The series watched for anomalies and capacity, with their latest values',
        responses: { '200': { description: 'watched series', content: json(object) }, ...common },
      },
    },
    '/console': {
      get: {
        summary: 'The operator console (HTML); its calls need a key, the page itself does not',
        security: [],
        responses: { '200': { description: 'the page', content: { 'text/html': {} } } },
      },
    },
    '/console/{file}': {
      parameters: [
        {
          name: 'file',
          in: 'path',
          required: true,
          schema: { enum: ['console.js', 'console-view.js', 'console.css'] },
        },
      ],
      get: {
        summary: "The console's script and style sheet",
        security: [],
        responses: {
          '200': {
            description: 'the file',
            content: { 'text/javascript': {}, 'text/css': {} },
          },
          '404': error('the console has no such file'),
        },
      },
    },
    '/v1/console/overview': {
      get: {
        summary:
          'The console overview: the pool (nodes, routing, health), models (production, canary, share, drift), alerts',
        responses: {
          '200': { description: 'what monitoring knows now', content: json(ConsoleOverview) },
          ...common,
          '503': error('the database is unavailable'),
        },
      },
    },
    '/v1/console/dlq': {
      get: {
        summary: "Recovery's dead-letter groups and replay tasks, read with the caller's key",
        responses: {
          '200': { description: 'groups and tasks', content: json(ConsoleDlq) },
          '401': error('missing or invalid API key (here or at recovery)'),
          '403': error('the key lacks the dlq:read scope'),
          '429': error('rate limit of the key exceeded; see Retry-After'),
          '502': error('recovery answered with an error of its own'),
          '503': error('recovery cannot be reached or is unavailable: retry'),
        },
      },
    },
    '/v1/console/dlq/replays': {
      post: {
        summary: "Start (or dry-run) a replay through recovery's API, with the caller's key",
        description:
          "The body is recovery's `POST /v1/dlq/replays` body, passed on as is, and so is recovery's answer (see docs/openapi/recovery.json).",
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            properties: {
              group: { type: 'string' },
              stream: { type: 'string' },
              consumer: { type: 'string' },
              ids: { type: 'array', items: { type: 'string' } },
              from: { type: 'string', format: 'date-time' },
              to: { type: 'string', format: 'date-time' },
              states: { type: 'array', items: { type: 'string' } },
              rate: { type: 'integer', minimum: 0 },
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
          '401': error('missing or invalid API key (here or at recovery)'),
          '403': error('the key lacks the dlq:replay scope'),
          '404': error('recovery knows no such resource'),
          '429': error('rate limit of the key exceeded; see Retry-After'),
          '502': error('recovery answered with an error of its own'),
          '503': error('recovery cannot be reached or is unavailable: retry'),
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
    ...openApiServicePaths('health scores, firing alerts, PSI, burn rates, anomaly scores'),
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'http', scheme: 'bearer', description: '`kls_<id>_<secret>`' },
    },
    schemas: {
      Error: OPENAPI_ERROR_SCHEMA,
      Node: {
        type: 'object',
        required: ['nodeId', 'state', 'score', 'reasons', 'since', 'figures', 'signals'],
        properties: {
          nodeId: { type: 'string' },
          state: { enum: ['healthy', 'suspect', 'unhealthy', 'recovering'] },
          score: { type: 'number', minimum: 0, maximum: 1 },
          reasons: { type: 'array', items: { type: 'string' } },
          since: { type: 'string', format: 'date-time' },
          figures: object,
          signals: object,
          faults: object,
        },
      },
      Alert: {
        type: 'object',
        required: ['id', 'key', 'kind', 'target', 'state', 'severity', 'message', 'startsAt'],
        properties: {
          id: { type: 'string' },
          key: { type: 'string' },
          kind: { enum: [...ALERT_KINDS] },
          target: { type: 'string' },
          state: { enum: ['firing', 'resolved'] },
          severity: { enum: ['info', 'warning', 'critical'] },
          message: { type: 'string' },
          reasons: { type: 'array', items: { type: 'string' } },
          evidence: object,
          startsAt: { type: 'string', format: 'date-time' },
          endsAt: { type: 'string', format: 'date-time' },
          updatedAt: { type: 'string', format: 'date-time' },
        },
      },
    },
  },
});
