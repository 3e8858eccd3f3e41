import { OPEN_INFERENCE_REST_PATHS } from '@keelson/inference';

/**
 * A prediction node's REST API as OpenAPI 3.1: the Open Inference Protocol v2 routes, and its
 * Prometheus metrics. Served at /openapi.json and kept in docs/openapi/.
 */
export const predictionOpenApi = {
  openapi: '3.1.0',
  info: {
    title: 'Keelson prediction node',
    version: '1.0.0',
    description:
      'KServe Open Inference Protocol v2 over REST (gRPC on its own port). Errors are `{ "error": "..." }`.',
  },
  servers: [{ url: 'http://127.0.0.1:8100' }],
  paths: {
    ...OPEN_INFERENCE_REST_PATHS,
    '/metrics': {
      get: {
        summary: 'Prometheus metrics: inference requests, failures, latency, batch sizes, queue',
        responses: { '200': { description: 'text exposition format' } },
      },
    },
  },
};
