import { OPEN_INFERENCE_REST_PATHS } from '@keelson/inference';
import { withCommonResponses } from '@keelson/service-kit';

/**
 * The gateway's REST API as OpenAPI 3.1: the Open Inference Protocol v2 routes behind an API key
 * (scope `predict`), routed to healthy nodes, and the gateway's own health and metrics. Served at
 * /openapi.json and kept in docs/openapi/.
 */
export const gatewayOpenApi = withCommonResponses({
  openapi: '3.1.0',
  info: {
    title: 'Keelson gateway',
    version: '1.0.0',
    description:
      'KServe Open Inference Protocol v2 over REST (gRPC on its own port), with API keys and rate limits. Errors are `{ "error": "..." }`.',
  },
  servers: [{ url: 'http://127.0.0.1:8080' }],
  security: [{ apiKey: [] }],
  paths: {
    ...OPEN_INFERENCE_REST_PATHS,
    '/health/live': {
      get: { summary: 'Liveness', security: [], responses: { '200': { description: 'live' } } },
    },
    '/health/ready': {
      get: {
        summary: 'Readiness (NATS, and the pool watches caught up)',
        security: [],
        responses: {
          '200': { description: 'ready' },
          '503': { description: 'not ready' },
        },
      },
    },
    '/metrics': {
      get: {
        summary: 'Prometheus metrics: requests, attempts and hedges per node and version',
        security: [],
        responses: { '200': { description: 'text exposition format' } },
      },
    },
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'http', scheme: 'bearer', description: '`kls_<id>_<secret>`' },
    },
  },
});
