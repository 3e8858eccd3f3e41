import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponseJson } from '../protocol/errors';
import type { InferenceHandler } from '../protocol/inference-handler';
import { handleRestRequest } from '../protocol/rest-routes';

/**
 * Mounts the protocol's REST endpoints (`/v2/...`, see protocol/rest-routes.ts) on a Fastify
 * instance: the one adapter a prediction node and the gateway share. Bodies are taken as raw bytes
 * whatever their Content-Type (Triton's clients send none) and parsed by the protocol code.
 * `authorize`, when given, runs first on every call except the health probes.
 */
export function registerInferenceRoutes(
  fastify: FastifyInstance,
  handler: InferenceHandler,
  options: { authorize?: (request: FastifyRequest) => Promise<void> | void } = {},
): void {
  if (!fastify.hasContentTypeParser('*'))
    fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );

  const serve = async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    try {
      if (!path.startsWith('/v2/health/')) await options.authorize?.(request);
    } catch (error) {
      const { status, body } = errorResponseJson(error);
      const retryAfter = (error as { retryAfterSeconds?: number }).retryAfterSeconds;
      if (retryAfter) void reply.header('retry-after', String(retryAfter));
      return reply.status((error as { status?: number }).status ?? status).send(body);
    }
    const result = await handleRestRequest(handler, {
      method: request.method,
      path,
      body: request.body,
    });
    if (!result) return reply.status(404).send({ error: `no such endpoint: ${path}` });
    return result.body === undefined
      ? reply.status(result.status).send()
      : reply.status(result.status).send(result.body);
  };
  fastify.route({ method: ['GET', 'POST'], url: '/v2', handler: serve });
  fastify.route({ method: ['GET', 'POST'], url: '/v2/*', handler: serve });
}
