import { PROTOBUF_MEDIA_TYPE } from '../protocol/proto-infer';
import { DATATYPES } from '../protocol/tensor';

/**
 * The Open Inference Protocol v2 REST routes as OpenAPI 3.1, as a prediction node and the gateway
 * serve them (the KServe spec's `rest_predict_v2.yaml`, with the statuses Keelson answers). Each
 * front end adds its own servers, security and non-protocol routes.
 */
const error = (description: string) => ({
  description,
  content: {
    'application/json': {
      schema: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
    },
  },
});
const json = (schema: object) => ({ 'application/json': { schema } });

const parameters = {
  type: 'object',
  additionalProperties: { type: ['string', 'number', 'boolean'] },
};
const tensorData = {
  description: 'the elements in row-major order, flat or nested; numbers, booleans or strings',
  type: 'array',
};
const requestInput = {
  type: 'object',
  required: ['name', 'shape', 'datatype', 'data'],
  properties: {
    name: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
    datatype: { type: 'string', enum: [...DATATYPES] },
    parameters,
    data: tensorData,
  },
};
const inferRequest = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    parameters,
    inputs: { type: 'array', items: requestInput },
    outputs: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name'],
        properties: { name: { type: 'string' }, parameters },
      },
    },
  },
};
const inferResponse = {
  type: 'object',
  required: ['model_name', 'outputs'],
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    parameters,
    outputs: { type: 'array', items: { ...requestInput, required: ['name', 'shape', 'datatype'] } },
  },
};
const tensorMetadata = {
  type: 'object',
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: { type: 'string' },
    datatype: { type: 'string' },
    shape: { type: 'array', items: { type: 'integer' } },
  },
};
const modelMetadata = {
  type: 'object',
  required: ['name', 'platform', 'inputs', 'outputs'],
  properties: {
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string' },
    inputs: { type: 'array', items: tensorMetadata },
    outputs: { type: 'array', items: tensorMetadata },
  },
};

const model = { name: 'model_name', in: 'path', required: true, schema: { type: 'string' } };
const version = { name: 'model_version', in: 'path', required: true, schema: { type: 'string' } };
const notFound = error('no such model, or no such version of it');
const unavailable = error('no version of the model can answer now: retry');

const metadataOp = (params: object[]) => ({
  summary: 'Model metadata',
  parameters: params,
  responses: {
    '200': { description: 'the model', content: json(modelMetadata) },
    '400': error('the model name or version is invalid'),
    '404': notFound,
  },
});
const readyOp = (params: object[]) => ({
  summary: 'Model readiness: 200 ready, 400 not ready (the protocol answers no body)',
  parameters: params,
  responses: {
    '200': { description: 'ready' },
    '400': { description: 'not ready' },
    '404': notFound,
  },
});
/**
 * A Keelson extension: the gRPC API's ModelInferRequest as the body, answered with its
 * ModelInferResponse (what the gateway relays its gRPC clients' calls as); errors stay JSON.
 */
const protobuf = (message: string) => ({
  [PROTOBUF_MEDIA_TYPE]: {
    schema: {
      type: 'string',
      format: 'binary',
      description: `an inference.${message} of open_inference_grpc.proto, serialized`,
    },
  },
});
const inferOp = (params: object[]) => ({
  summary: 'Inference',
  description:
    'A JSON `$inference_request`, or with `Content-Type: application/x-protobuf` a serialized ' +
    'gRPC `ModelInferRequest` (answered with a `ModelInferResponse`). The path names the model ' +
    'and version in both cases.',
  parameters: params,
  requestBody: {
    required: true,
    content: { ...json(inferRequest), ...protobuf('ModelInferRequest') },
  },
  responses: {
    '200': {
      description: 'the outputs',
      content: { ...json(inferResponse), ...protobuf('ModelInferResponse') },
    },
    '400': error('the request is invalid: the message names the input and the problem'),
    '404': notFound,
    '413': error('the body is over the size limit'),
    '429': error('the queue is full: retry later'),
    '503': unavailable,
    '504': error('the deadline passed before the inference finished'),
  },
});

export const OPEN_INFERENCE_REST_PATHS = {
  '/v2': {
    get: {
      summary: 'Server metadata',
      responses: {
        '200': {
          description: 'name, version and extensions',
          content: json({
            type: 'object',
            required: ['name', 'version', 'extensions'],
            properties: {
              name: { type: 'string' },
              version: { type: 'string' },
              extensions: { type: 'array', items: { type: 'string' } },
            },
          }),
        },
      },
    },
  },
  '/v2/health/live': {
    get: { summary: 'Server liveness', responses: { '200': { description: 'live' } } },
  },
  '/v2/health/ready': {
    get: {
      summary: 'Server readiness: 200 ready, 400 not ready',
      responses: { '200': { description: 'ready' }, '400': { description: 'not ready' } },
    },
  },
  '/v2/models/{model_name}': { get: metadataOp([model]) },
  '/v2/models/{model_name}/versions/{model_version}': { get: metadataOp([model, version]) },
  '/v2/models/{model_name}/ready': { get: readyOp([model]) },
  '/v2/models/{model_name}/versions/{model_version}/ready': { get: readyOp([model, version]) },
  '/v2/models/{model_name}/infer': { post: inferOp([model]) },
  '/v2/models/{model_name}/versions/{model_version}/infer': { post: inferOp([model, version]) },
};
