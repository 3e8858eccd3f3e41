import { API_SCOPES } from '@keelson/persistence';
import { DatasetSchemaBody } from '@keelson/schemas';
import {
  OPENAPI_ERROR_SCHEMA,
  openApiError,
  openApiJson,
  plainSchema,
  withCommonResponses,
} from '@keelson/service-kit';

const json = openApiJson;
const error = openApiError;
const plain = plainSchema;

const record = {
  type: 'object',
  description:
    'field name -> value, as the dataset schema declares; null or absent for a missing optional value',
  additionalProperties: { type: ['number', 'string', 'boolean', 'null'] },
};

/** The ingestion API as OpenAPI 3.1; served at /openapi.json and kept in docs/openapi/. */
export const ingestionOpenApi = withCommonResponses({
  openapi: '3.1.0',
  info: {
    title: 'Keelson ingestion',
    version: '1.0.0',
    description:
      'Register datasets and send records. Every error is `{ "error": "...", "details": [{ "field", "reason" }] }`.',
  },
  servers: [{ url: 'http://127.0.0.1:8082' }],
  security: [{ apiKey: [] }],
  paths: {
    '/v1/keys': {
      get: {
        summary: 'List API keys, without secrets (scope admin)',
        responses: {
          '200': {
            description: '`keys`: id, name, scopes, rate, burst, createdAt, expiresAt, revokedAt',
          },
          '401': error('missing or invalid API key'),
          '403': error('the key is not an admin key'),
        },
      },
      post: {
        summary:
          'Create an API key for any service (scope admin); the secret is in this answer only',
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            required: ['name', 'scopes'],
            additionalProperties: false,
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 100 },
              scopes: {
                type: 'array',
                minItems: 1,
                items: { enum: [...API_SCOPES] },
              },
              ratePerSecond: { type: 'integer', minimum: 1, maximum: 1_000_000 },
              burst: { type: 'integer', minimum: 1, maximum: 1_000_000 },
              expiresAt: { type: 'string', format: 'date-time' },
              expiresIn: { type: 'string', description: 'a duration such as 720h' },
            },
          }),
        },
        responses: {
          '201': { description: '`key` (the secret, shown once) and `apiKey`' },
          '400': error('an invalid request; `details` names each field'),
          '401': error('missing or invalid API key'),
          '403': error('the key is not an admin key'),
        },
      },
    },
    '/v1/keys/{id}/revoke': {
      parameters: [
        {
          name: 'id',
          in: 'path',
          required: true,
          schema: { type: 'string', pattern: '^[a-f0-9]{16}$' },
        },
      ],
      post: {
        summary: 'Revoke a key: every service refuses it within 30 s (scope admin)',
        responses: {
          '200': { description: 'revoked (also when it already was)' },
          '400': error('not a key id'),
          '401': error('missing or invalid API key'),
          '403': error('the key is not an admin key'),
          '404': error('no such key'),
        },
      },
    },
    '/v1/datasets': {
      get: {
        summary: 'List datasets (scope ingest)',
        responses: {
          '200': { description: 'the current version of every dataset' },
          '401': error('missing or invalid API key'),
        },
      },
    },
    '/v1/datasets/{name}': {
      parameters: [
        {
          name: 'name',
          in: 'path',
          required: true,
          schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
        },
      ],
      put: {
        summary: 'Register a dataset or a compatible new version of its schema (scope admin)',
        requestBody: {
          required: true,
          content: json({ $ref: '#/components/schemas/DatasetSchema' }),
        },
        responses: {
          '201': { description: 'created as version 1' },
          '200': { description: '`status` is `updated` (a new version) or `unchanged`' },
          '400': error('the schema is invalid; `details` names each problem'),
          '409': error(
            'the change would break stored records; `details` explains each breaking change',
          ),
        },
      },
      get: {
        summary: 'The current schema (scope ingest)',
        responses: {
          '200': { description: 'the dataset definition' },
          '404': error('not registered'),
        },
      },
    },
    '/v1/datasets/{name}/versions': {
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        summary: 'Every version of the schema, newest first (scope ingest)',
        responses: { '200': { description: 'versions' }, '404': error('not registered') },
      },
    },
    '/v1/datasets/{name}/records': {
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      post: {
        summary: 'Send a batch of records (scope ingest)',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { type: 'array', items: record, minItems: 1 } },
            'application/x-ndjson': {
              schema: { type: 'string', description: 'one JSON record per line' },
            },
          },
        },
        responses: {
          '200': {
            description: 'a verdict per record',
            content: json({ $ref: '#/components/schemas/IngestReport' }),
          },
          '400': error(
            'malformed JSON or NDJSON (`details` gives the line), not a list of records, or every record rejected (`details` gives `[index].field` and the reason)',
          ),
          '401': error('missing or invalid API key'),
          '403': error('the key lacks the ingest scope'),
          '404': error('the dataset is not registered'),
          '413': error('the body or the batch is larger than the limit'),
          '415': error('unsupported Content-Type'),
          '429': error('rate limit exceeded; see Retry-After'),
          '503': error('a dependency is down; nothing was acknowledged; retry after Retry-After'),
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics (keelson_ingested_records_total and Node process metrics)',
        security: [],
        responses: { '200': { description: 'text exposition format' } },
      },
    },
    '/health/live': {
      get: { summary: 'Liveness', security: [], responses: { '200': { description: 'alive' } } },
    },
    '/health/ready': {
      get: {
        summary: 'Readiness: database and NATS answer',
        security: [],
        responses: { '200': { description: 'ready' }, '503': { description: 'not ready' } },
      },
    },
  },
  components: {
    securitySchemes: {
      apiKey: {
        type: 'http',
        scheme: 'bearer',
        description: 'Authorization: Bearer kls_<id>_<secret>',
      },
    },
    schemas: {
      DatasetSchema: plain(DatasetSchemaBody),
      Error: OPENAPI_ERROR_SCHEMA,
      IngestReport: {
        type: 'object',
        properties: {
          dataset: { type: 'string' },
          schemaVersion: { type: 'integer' },
          accepted: { type: 'integer' },
          duplicates: { type: 'integer' },
          rejected: { type: 'integer' },
          results: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                index: { type: 'integer' },
                status: { enum: ['accepted', 'duplicate', 'rejected'] },
                id: { type: 'string' },
                reasons: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: { field: { type: 'string' }, reason: { type: 'string' } },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
});
