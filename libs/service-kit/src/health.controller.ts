import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { MESSAGING, type Messaging } from '@keelson/messaging';
import { Public } from './auth/api-key.guard';
import { DatabaseHealth } from './database-health.service';

/** Liveness answers while the process runs; readiness only when the database and NATS answer. */
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly database: DatabaseHealth,
    @Inject(MESSAGING) private readonly messaging: Messaging,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const database = await this.database.check();
    const nats = this.messaging.connected();
    const ready = database && nats;
    void reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ready' : 'unavailable',
      checks: { database: database ? 'up' : 'down', nats: nats ? 'up' : 'down' },
    };
  }
}
