import Fastify from 'fastify';
import { answerMethodNotAllowed, RouteMethods } from './method-not-allowed';

describe('RouteMethods', () => {
  it('knows the methods of each path, parameters and wildcards included', () => {
    const routes = new RouteMethods();
    routes.add('GET', '/v1/datasets/:name');
    routes.add(['PUT', 'HEAD'], '/v1/datasets/:name');
    routes.add('POST', '/v1/datasets/:name/records');
    routes.add('GET', '/docs/*');
    expect(routes.allowed('/v1/datasets/credit')).toEqual(['GET', 'HEAD', 'PUT']);
    expect(routes.allowed('/v1/datasets/credit/records')).toEqual(['POST']);
    expect(routes.allowed('/docs/a/b')).toEqual(['GET']);
    expect(routes.allowed('/v1/datasets')).toEqual([]);
    expect(routes.allowed('/v1/datasets/a.b')).toEqual(['GET', 'HEAD', 'PUT']);
  });
});

describe('answerMethodNotAllowed on a real Fastify server', () => {
  const app = Fastify();
  beforeAll(async () => {
    answerMethodNotAllowed(app);
    app.get('/v1/things/:id', async () => ({ ok: true }));
    app.post('/v1/things', async () => ({ created: true }));
    await app.ready();
  });
  afterAll(() => app.close());

  it('answers an undeclared method on a known path with 405 and Allow', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/v1/things/7?x=1' });
    expect(response.statusCode).toBe(405);
    expect(response.headers.allow).toBe('GET, HEAD');
    expect(response.json().error).toContain('DELETE is not allowed on /v1/things/7');
  });

  it('leaves declared methods and unknown paths alone', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/things/7' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/things' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/v1/nothing' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'PUT', url: '/v1/things' })).statusCode).toBe(405);
  });
});
