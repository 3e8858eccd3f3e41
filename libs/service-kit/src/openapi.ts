/** Building blocks for the services' hand-written OpenAPI 3.1 documents. */

/** A JSON request or response body with `schema`. */
export const openApiJson = (schema: object) => ({ 'application/json': { schema } });

/** An error response: every Keelson API answers errors as the shared `Error` schema. */
export const openApiError = (description: string) => ({
  description,
  content: openApiJson({ $ref: '#/components/schemas/Error' }),
});

/** A TypeBox schema as plain JSON Schema (TypeBox marks its objects with symbols). */
export const plainSchema = (schema: object): object => JSON.parse(JSON.stringify(schema)) as object;

/** `{ "error": "...", "details": [{ "field", "reason" }] }`, as the ErrorFilter writes it. */
export const OPENAPI_ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string' },
    details: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
};

/**
 * The routes every service serves besides its API: liveness, readiness (database and NATS) and
 * Prometheus metrics, none behind a key. `metrics` says what the service's own metrics are.
 */
export const openApiServicePaths = (metrics: string) => ({
  '/health/live': {
    get: { summary: 'Liveness', security: [], responses: { '200': { description: 'live' } } },
  },
  '/health/ready': {
    get: {
      summary: 'Readiness (database and NATS)',
      security: [],
      responses: {
        '200': { description: 'ready' },
        '503': { description: 'a dependency is down' },
      },
    },
  },
  '/metrics': {
    get: {
      summary: `Prometheus metrics: ${metrics}`,
      security: [],
      responses: { '200': { description: 'text exposition format' } },
    },
  },
});

type Operation = {
  security?: unknown[];
  requestBody?: unknown;
  parameters?: unknown[];
  responses?: Record<string, unknown>;
};
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Adds the answers every route behind a key can give, where a route does not say them itself:
 * 401 (no valid key), 403 (the key lacks the route's scope), 429 (the key's rate), 503 (the
 * database or NATS is unavailable); 400 wherever a route takes a body or parameters, 404 where its
 * path names a resource (and 414: Fastify refuses a path parameter over 100 characters). A fuzzer holds the
 * documents to "every status a route returns is documented".
 */
export function withCommonResponses<T extends { paths: Record<string, object> }>(doc: T): T {
  for (const [url, path] of Object.entries(doc.paths) as Array<[string, Record<string, Operation>]>)
    for (const method of METHODS) {
      const op = path[method];
      if (!op) continue;
      const responses = (op.responses ??= {});
      const add = (status: string, description: string) => {
        responses[status] ??= openApiError(description);
      };
      if (op.requestBody || op.parameters?.length || url.includes('{'))
        add('400', 'the request is invalid: `details` names each field and why');
      if (url.includes('{')) {
        add('404', 'no such resource');
        add('414', 'a path parameter is longer than 100 characters');
      }
      if (op.security?.length === 0) continue; // public: no key, no key limits
      add('401', 'missing, invalid, revoked or expired API key');
      add('403', "the key lacks this route's scope");
      add('429', "the key's rate limit: retry after the `Retry-After` seconds");
      add('503', 'a dependency (the database or NATS) is unavailable: retry');
    }
  return doc;
}
