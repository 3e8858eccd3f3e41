import { OPEN_INFERENCE_REST_PATHS } from '@keelson/inference';

const OPEN = new Set(['/v2/health/live', '/v2/health/ready']);

const unauthenticated = {
  description: 'no node token, or not one this node accepts (callers go through the gateway)',
  content: {
    'application/json': {
      schema: { type: 'object', required: ['error'], properties: { error: { type: 'string' } } },
    },
  },
};

/** The protocol's routes as a node serves them: the health probes open, the rest behind the token. */
function nodePaths(): Record<string, Record<string, object>> {
  const paths: Record<string, Record<string, object>> = {};
  for (const [path, operations] of Object.entries(OPEN_INFERENCE_REST_PATHS)) {
    paths[path] = Object.fromEntries(
      Object.entries(operations as Record<string, { responses: object }>).map(([method, op]) => [
        method,
        OPEN.has(path)
          ? { ...op, security: [] }
          : { ...op, responses: { ...op.responses, '401': unauthenticated } },
      ]),
    );
  }
  return paths;
}

/**
 * A prediction node's REST API as OpenAPI 3.1: the Open Inference Protocol v2 routes, behind the
 * node token only the gateways and recovery hold, and its Prometheus metrics. Served at
 * /openapi.json and kept in docs/openapi/.
 */
export const predictionOpenApi = {
  openapi: '3.1.0',
  info: {
    title: 'Keelson prediction node',
    version: '1.0.0',
    description:
      'KServe Open Inference Protocol v2 over REST (gRPC on its own port), for the gateway and recovery: every call but the health probes carries the node token (`KEELSON_NODE_TOKENS`). Errors are `{ "error": "..." }`.',
  },
  servers: [{ url: 'http://127.0.0.1:8100' }],
  security: [{ nodeToken: [] }],
  paths: {
    ...nodePaths(),
    '/metrics': {
      get: {
        summary: 'Prometheus metrics: inference requests, failures, latency, batch sizes, queue',
        security: [],
        responses: { '200': { description: 'text exposition format' } },
      },
    },
  },
  components: {
    securitySchemes: {
      nodeToken: {
        type: 'http',
        scheme: 'bearer',
        description: 'a node token from `KEELSON_NODE_TOKENS` (docs/security.md)',
      },
    },
  },
};
