import { TrainingRequested } from '@keelson/schemas';
import { Hyperparameters } from '../jobs/hyperparameters';
import {
  OPENAPI_ERROR_SCHEMA,
  openApiError,
  openApiJson,
  openApiServicePaths,
  plainSchema,
  withCommonResponses,
} from '@keelson/service-kit';

const json = openApiJson;
const error = openApiError;
const plain = plainSchema;
const name = {
  name: 'name',
  in: 'path',
  required: true,
  schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$' },
};
const version = {
  name: 'version',
  in: 'path',
  required: true,
  schema: { type: 'integer', minimum: 1 },
};
const reasonBody = {
  required: false,
  content: json({ type: 'object', properties: { reason: { type: 'string', maxLength: 512 } } }),
};
const common = {
  '401': error('missing or invalid API key'),
  '403': error('the key lacks the scope'),
};

/** The training and registry API as OpenAPI 3.1; served at /openapi.json and kept in docs/openapi/. */
export const trainingOpenApi = withCommonResponses({
  openapi: '3.1.0',
  info: {
    title: 'Keelson training and model registry',
    version: '1.0.0',
    description:
      'Train models, follow jobs, and manage versions. Every error is `{ "error": "...", "details": [{ "field", "reason" }] }`.',
  },
  servers: [{ url: 'http://127.0.0.1:8083' }],
  security: [{ apiKey: [] }],
  paths: {
    '/v1/training-jobs': {
      post: {
        summary: 'Queue a training job (scope train)',
        requestBody: {
          required: true,
          content: json({ $ref: '#/components/schemas/TrainingRequest' }),
        },
        responses: {
          '202': {
            description: 'the job, queued',
            content: json({ $ref: '#/components/schemas/TrainingJob' }),
          },
          '400': error('invalid request or hyperparameters; `details` names each field'),
          '404': error('the dataset is not registered'),
          ...common,
        },
      },
      get: {
        summary: 'List jobs, newest first (scope train)',
        parameters: [
          { name: 'model', in: 'query', schema: { type: 'string' } },
          {
            name: 'status',
            in: 'query',
            schema: { enum: ['queued', 'running', 'succeeded', 'failed'] },
          },
        ],
        responses: {
          '200': { description: '`{ jobs: [...] }`' },
          '400': error('unknown status'),
          ...common,
        },
      },
    },
    '/v1/training-jobs/{id}': {
      get: {
        summary: 'One job with its status, per-epoch progress and result (scope train)',
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': {
            description: 'the job',
            content: json({ $ref: '#/components/schemas/TrainingJob' }),
          },
          '404': error('no such job'),
          ...common,
        },
      },
    },
    '/v1/models': {
      get: {
        summary: 'Every model with its version count and stages (scope train)',
        responses: { '200': { description: '`{ models: [...] }`' }, ...common },
      },
    },
    '/v1/models/{name}': {
      parameters: [name],
      get: {
        summary: 'A model: its stage pointers and every version, newest first (scope train)',
        responses: {
          '200': { description: '`{ model, stages, versions }`' },
          '404': error('no such model'),
          ...common,
        },
      },
    },
    '/v1/models/{name}/versions': {
      parameters: [name],
      post: {
        summary: 'Upload an external ONNX model as a new version (scope admin)',
        parameters: [{ name: 'dataset', in: 'query', schema: { type: 'string' } }],
        requestBody: {
          required: true,
          content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
        },
        responses: {
          '201': {
            description: 'the registered version, with its inputs and outputs read from the graph',
          },
          '400': error('onnxruntime cannot load the bytes, or no body'),
          '413': error('larger than TRAINING_MAX_UPLOAD_BYTES'),
          ...common,
        },
      },
    },
    '/v1/models/{name}/versions/{version}': {
      parameters: [name, version],
      get: {
        summary: 'One version (scope train)',
        responses: {
          '200': { description: 'the version' },
          '404': error('no such version'),
          ...common,
        },
      },
    },
    '/v1/models/{name}/versions/{version}/artifact': {
      parameters: [name, version],
      get: {
        summary: 'The ONNX artifact (scope train)',
        responses: {
          '200': {
            description: 'the bytes; `ETag` and `X-Keelson-Sha256` carry the digest',
            content: { 'application/octet-stream': {} },
          },
          '404': error('no such version'),
          ...common,
        },
      },
    },
    '/v1/models/{name}/versions/{version}/promote': {
      parameters: [name, version],
      post: {
        summary: 'Make a version production, or the canary at a weight (scope admin)',
        requestBody: {
          required: false,
          content: json({
            type: 'object',
            properties: {
              stage: { enum: ['production', 'canary'], default: 'production' },
              canaryWeight: {
                type: 'number',
                exclusiveMinimum: 0,
                exclusiveMaximum: 1,
                default: 0.1,
              },
              reason: { type: 'string', maxLength: 512 },
            },
          }),
        },
        responses: {
          '200': { description: 'the stage pointers after the change' },
          '400': error('invalid body'),
          '409': error('the version is archived'),
          ...common,
        },
      },
    },
    '/v1/models/{name}/rollback': {
      parameters: [name],
      post: {
        summary:
          'Production returns to the version it replaced; the current one is archived (scope admin)',
        requestBody: reasonBody,
        responses: {
          '200': { description: 'the stage pointers after the change' },
          '409': error('no earlier production version'),
          ...common,
        },
      },
    },
    '/v1/models/{name}/versions/{version}/archive': {
      parameters: [name, version],
      post: {
        summary: 'Archive a version that serves no traffic (scope admin)',
        requestBody: reasonBody,
        responses: {
          '200': { description: 'the archived version' },
          '409': error('the version is production'),
          ...common,
        },
      },
    },
    ...openApiServicePaths('training jobs by outcome and Node process metrics'),
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'http', scheme: 'bearer', description: '`kls_<id>_<secret>`' },
    },
    schemas: {
      Error: OPENAPI_ERROR_SCHEMA,
      TrainingRequest: {
        ...plain(TrainingRequested.data),
        properties: {
          ...(plain(TrainingRequested.data) as { properties: object }).properties,
          hyperparameters: plain(Hyperparameters),
        },
      },
      TrainingJob: {
        type: 'object',
        properties: {
          _id: { type: 'string' },
          model: { type: 'string' },
          dataset: { type: 'string' },
          status: { enum: ['queued', 'running', 'succeeded', 'failed'] },
          attempts: { type: 'integer' },
          progress: { type: 'object' },
          result: {
            type: 'object',
            properties: {
              version: { type: 'integer' },
              metrics: { type: 'object' },
              promoted: { type: 'boolean' },
            },
          },
          error: { type: 'string' },
        },
      },
    },
  },
});
