import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiKeyRepository } from '@keelson/persistence';
import { ApiError, parseJsonBody, RequireScope } from '@keelson/service-kit';
import { parseKeyRequest } from './key-request';

const KEY_ID = /^[a-f0-9]{16}$/;

/**
 * API keys for every service (they share the database): created with their scopes, rate and
 * expiry, listed without secrets, revoked. A revoked or expired key stops working everywhere
 * within 30 s (the time services cache a verified key). Admin only.
 */
@Controller('v1/keys')
export class KeysController {
  constructor(private readonly keys: ApiKeyRepository) {}

  @Get()
  @RequireScope('admin')
  async list() {
    return { keys: await this.keys.list() };
  }

  /** The secret is in this answer only; it is stored hashed. */
  @Post()
  @RequireScope('admin')
  async create(@Body() body: unknown) {
    return this.keys.create(parseKeyRequest(parseJsonBody(body)));
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @RequireScope('admin')
  async revoke(@Param('id') id: string) {
    if (!KEY_ID.test(id))
      throw ApiError.badRequest('invalid key id', [{ field: 'id', reason: '16 hex characters' }]);
    if (await this.keys.revoke(id)) return { id, revoked: true };
    const known = (await this.keys.list()).find((k) => k.id === id);
    if (!known) throw ApiError.notFound(`no API key ${id}`);
    return { id, revoked: true, revokedAt: known.revokedAt };
  }
}
