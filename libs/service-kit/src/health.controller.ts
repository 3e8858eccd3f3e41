import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { type Messaging } from '@keelson/messaging';
import { MESSAGING } from '@keelson/messaging/nest';
import { Public } from './auth/api-key.guard';
import { DatabaseHealth } from './database-health.service';

/**
 * Liveness answers while the process runs; readiness only when the database and NATS answer, and
 * never again once the service has begun to shut down (`drain`), so traffic leaves it before its
 * port closes.
 */
@Public()
@Controller('health')
export class HealthController {
  private draining = false;

  constructor(
    private readonly database: DatabaseHealth,
    @Inject(MESSAGING) private readonly messaging: Messaging,
  ) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  /** The service is leaving (SIGTERM): readiness fails from now on. */
  drain(): void {
    this.draining = true;
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    if (this.draining) {
      void reply.status(503);
      return { status: 'draining', checks: {} };
    }
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
