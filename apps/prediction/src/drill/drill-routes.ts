import type { InferenceError, NodeCredential } from '@keelson/inference';
import type { FastifyInstance } from 'fastify';
import { FaultInjector, parseFaults } from './fault-injector';

/**
 * `GET|PUT|DELETE /drill/faults`: what a drill has injected, set some faults (a JSON object with
 * any of `latencyMs`, `errorRate`, `hang`; fields not sent keep their value), lift them all.
 * Registered only when the node started with PREDICTION_FAULTS=on, and answered only to a caller
 * with the node token (a fault is as good as a denial of service to whoever can set one).
 */
export function registerDrillRoutes(
  fastify: FastifyInstance,
  faults: FaultInjector,
  credential: NodeCredential,
): void {
  fastify.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/drill/')) return;
    try {
      credential.check(request.headers.authorization);
    } catch (error) {
      return reply.status(401).send({ error: (error as InferenceError).message });
    }
  });
  const current = () => ({ faults: faults.active ?? null });
  fastify.get('/drill/faults', async () => current());
  fastify.put('/drill/faults', async (request, reply) => {
    let body: unknown;
    try {
      body = typeof request.body === 'string' ? JSON.parse(request.body) : request.body;
    } catch (error) {
      return reply.status(400).send({
        error: 'request body is not valid JSON',
        details: [{ field: '(body)', reason: (error as Error).message }],
      });
    }
    const parsed = parseFaults(body);
    if (!parsed.ok)
      return reply.status(400).send({ error: 'invalid faults', details: parsed.problems });
    faults.set(parsed.faults);
    return current();
  });
  fastify.delete('/drill/faults', async () => {
    faults.clear();
    return current();
  });
}
