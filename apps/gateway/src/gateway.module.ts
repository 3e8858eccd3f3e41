import { type DynamicModule, Module } from '@nestjs/common';
import { MetricsController } from '@keelson/service-kit';
import {
  GatewayHealthController,
  READINESS,
  type ReadinessChecks,
} from './health/gateway-health.controller';

/**
 * The Nest side of the gateway is small on purpose: health and metrics. The `/v2` data plane is
 * registered straight on Fastify (see bootstrap.ts), where a request costs no more than the
 * protocol needs.
 */
@Module({})
export class GatewayModule {
  static register(readiness: ReadinessChecks): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [GatewayHealthController, MetricsController],
      providers: [{ provide: READINESS, useValue: readiness }],
    };
  }
}
