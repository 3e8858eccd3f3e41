import Fastify from 'fastify';
import { capConcurrency } from './concurrency-hook';

describe('capConcurrency: an endpoint that refuses past its adaptive limit', () => {
  it('answers 503 with Retry-After before reading the body, and admits again once slots free', async () => {
    const fastify = Fastify();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let bodiesRead = 0;
    fastify.addHook('preHandler', async () => {
      bodiesRead++;
    });
    fastify.post('/v1/things', async () => {
      await gate;
      return { ok: true };
    });
    fastify.post('/v1/other', async () => ({ ok: true }));
    // A limit of 8 that starts by probing its no-load latency at a quarter: 2 at once.
    const limit = capConcurrency(fastify, {
      applies: (request) => request.url === '/v1/things',
      settings: { initial: 8 },
    });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    const address = fastify.server.address();
    const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const post = (path: string) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"n":1}',
      });
    try {
      expect(limit.limit).toBe(2);
      const held = [post('/v1/things'), post('/v1/things')];
      // Both admitted and waiting in the handler before the third arrives.
      for (let i = 0; i < 200 && bodiesRead < 2; i++)
        await new Promise((resolve) => setTimeout(resolve, 5));
      expect(bodiesRead).toBe(2);
      const refused = await post('/v1/things');
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toEqual({ error: 'the service is at capacity; retry shortly' });
      expect(bodiesRead).toBe(2); // refused at the door: its body never reached the route
      expect((await post('/v1/other')).status).toBe(200); // other routes are not capped
      release();
      expect((await Promise.all(held)).map((r) => r.status)).toEqual([200, 200]);
      expect((await post('/v1/things')).status).toBe(200); // room again
    } finally {
      await fastify.close();
    }
  });
});
