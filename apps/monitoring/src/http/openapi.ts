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

/** The monitoring API as OpenAPI 3.1; served at /openapi.json and kept in docs/openapi/. */
export const monitoringOpenApi = withCommonResponses({
  openapi: '3.1.0',
  info: {
    title: 'Keelson monitoring',
    version: '1.0.0',
    description:
      'Node health, alerts, drift and SLOs. Reads need a key with the `monitoring:read` scope (or `admin`). Every error is `{ "error": "...", "details": [{ "field", "reason" }] }`.',
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
