import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  AdaptiveLimit,
  DEFAULT_ADAPTIVE_LIMIT,
  type AdaptiveLimitSettings,
} from './adaptive-limit';

export interface ConcurrencyCap {
  /** The requests the cap applies to (e.g. a write endpoint); others pass untouched. */
  applies(request: FastifyRequest): boolean;
  settings?: Partial<AdaptiveLimitSettings>;
}

/**
 * Caps the concurrent requests an endpoint serves at an adaptive limit (adaptive-limit.ts) learnt
 * from its own response times: past the limit a request is answered 503 with `Retry-After: 1`
 * before its body is read, so a burst is refused at the door instead of queueing in the process
 * and the database. Answers of 503 and 504 (a dependency down or slow) count as drops, and so
 * does a request the client gave up on. Returns the limit, for metrics and tests.
 */
export function capConcurrency(fastify: FastifyInstance, cap: ConcurrencyCap): AdaptiveLimit {
  const limit = new AdaptiveLimit({ ...DEFAULT_ADAPTIVE_LIMIT, ...cap.settings });
  let outstanding = 0;
  fastify.addHook('onRequest', async (request, reply) => {
    if (!cap.applies(request)) return;
    if (!limit.admits(outstanding)) {
      return reply
        .code(503)
        .header('retry-after', '1')
        .send({ error: 'the service is at capacity; retry shortly' }); // the API's error shape
    }
    outstanding++;
    const sentWith = outstanding;
    const started = performance.now();
    let done = false;
    reply.raw.once('close', () => {
      if (done) return;
      done = true;
      outstanding--;
      const status = reply.raw.statusCode;
      const now = performance.now();
      const finished = reply.raw.writableFinished;
      if (!finished || status === 503 || status === 504) limit.observe('dropped', now, sentWith);
      else limit.observe({ ms: now - started }, now, sentWith);
    });
  });
  return limit;
}
