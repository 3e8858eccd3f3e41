import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** What readiness is made of; provided by bootstrap.ts, which owns the pieces. */
export interface ReadinessChecks {
  nats(): boolean;
  /** The `nodes`, `routing` and `models` watches have delivered their buckets' state. */
  watches(): boolean;
  /** Nodes that take traffic now (reported, not required: see `ready`). */
  routableNodes(): number;
}

export const READINESS = Symbol('READINESS');

/**
 * Liveness answers while the process runs. Readiness needs NATS and the bucket watches caught up,
 * so a gateway never takes traffic with an empty or half-read view of the pool. It does not need
 * routable nodes (that is `/v2/health/ready`): a gateway that reported unready whenever the pool
 * was empty would be taken out of its load balancer and could not come back once nodes returned
 * until the next probe, for no gain. Nor does it need the database: keys already verified stay
 * cached, and requests with new keys get 503 until it is back.
 */
@Controller('health')
export class GatewayHealthController {
  constructor(@Inject(READINESS) private readonly checks: ReadinessChecks) {}

  @Get('live')
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const nats = this.checks.nats();
    const watches = this.checks.watches();
    const ready = nats && watches;
    void reply.status(ready ? 200 : 503);
    return {
      status: ready ? 'ready' : 'unavailable',
      checks: { nats: nats ? 'up' : 'down', watches: watches ? 'caught-up' : 'catching-up' },
      routableNodes: this.checks.routableNodes(),
    };
  }
}
