import type { FastifyInstance } from 'fastify';

/**
 * The methods each route pattern answers, to tell "no such path" (404) from "no such method on
 * this path" (405 with `Allow`, as HTTP requires). Patterns are Fastify's: `:param` matches one
 * non-empty segment, a trailing `*` the rest.
 */
export class RouteMethods {
  private readonly routes: Array<{ pattern: RegExp; methods: Set<string> }> = [];

  add(method: string | string[], url: string): void {
    const pattern = compile(url);
    const existing = this.routes.find((r) => r.pattern.source === pattern.source);
    const methods = existing?.methods ?? new Set<string>();
    for (const m of Array.isArray(method) ? method : [method]) methods.add(m.toUpperCase());
    if (!existing) this.routes.push({ pattern, methods });
  }

  /** The methods a path answers (empty: no route has this path). */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const r of this.routes)
      if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
    return [...methods].sort();
  }
}

function compile(url: string): RegExp {
  const segments = url.split('/').map((segment) => {
    if (segment === '*') return '.*';
    if (segment.startsWith(':')) return '[^/]+';
    return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}/?$`);
}

/**
 * Answers a request for a known path with an undeclared method with 405 and `Allow`, before any
 * guard or handler runs. Call right after the Fastify instance is made, before routes are added.
 */
export function answerMethodNotAllowed(fastify: FastifyInstance): RouteMethods {
  const routes = new RouteMethods();
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url));
  fastify.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.url !== undefined) return; // a route matched
    const path = request.url.split('?')[0];
    const allowed = routes.allowed(path);
    if (allowed.length === 0 || allowed.includes(request.method)) return;
    await reply
      .code(405)
      .header('allow', allowed.join(', '))
      .send({
        error: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
      });
  });
  return routes;
}
