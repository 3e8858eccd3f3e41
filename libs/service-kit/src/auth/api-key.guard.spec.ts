import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKey, ApiKeyRepository } from '@keelson/persistence';
import { ApiError } from '../api-error';
import { ApiKeyGuard, Public, RequireScope } from './api-key.guard';

const KEY = `kls_${'1'.repeat(16)}_${'s'.repeat(43)}`;
const reader: ApiKey = {
  id: 'r',
  name: 'reader',
  scopes: ['dlq:read'],
  ratePerSecond: 0,
  burst: 0,
};

class Routes {
  @RequireScope('dlq:read')
  read() {}
  @RequireScope('dlq:replay')
  replay() {}
  @RequireScope('ingest', 'dlq:read')
  either() {}
  forgotten() {}
  @Public()
  open() {}
}

function context(handler: keyof Routes, headers: Record<string, string>, type = 'http') {
  const request: { headers: Record<string, string>; apiKey?: ApiKey } = { headers };
  return {
    request,
    context: {
      getType: () => type,
      getHandler: () => Routes.prototype[handler],
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext,
  };
}

describe('ApiKeyGuard: deny by default', () => {
  const keys = { verify: async (k: string) => (k === KEY ? reader : null) };
  const guard = new ApiKeyGuard(new Reflector(), keys as unknown as ApiKeyRepository, {
    rateLimit: { defaultPerSecond: 100, defaultBurst: 100 },
  });
  const status = async (handler: keyof Routes, headers: Record<string, string> = {}) => {
    const { context: c, request } = context(handler, headers);
    try {
      await guard.canActivate(c);
      return { status: 200, key: request.apiKey?.id };
    } catch (error) {
      return { status: (error as ApiError).getStatus() };
    }
  };
  const bearer = { authorization: `Bearer ${KEY}` };

  it('lets a key with the scope in and names it on the request', async () => {
    expect(await status('read', bearer)).toEqual({ status: 200, key: 'r' });
    expect(await status('either', bearer)).toEqual({ status: 200, key: 'r' });
  });

  it('answers 401 without a key and 403 without the scope', async () => {
    expect(await status('read')).toEqual({ status: 401 });
    expect(await status('replay', bearer)).toEqual({ status: 403 });
  });

  it('refuses a route that declares no scope, even to a valid key', async () => {
    expect(await status('forgotten', bearer)).toEqual({ status: 403 });
  });

  it('opens only routes marked public, and never judges stream handlers', async () => {
    expect(await status('open')).toEqual({ status: 200, key: undefined });
    const rpc = context('forgotten', {}, 'rpc');
    await expect(guard.canActivate(rpc.context)).resolves.toBe(true);
  });
});
