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
