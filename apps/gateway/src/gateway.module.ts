import { type DynamicModule, Module } from '@nestjs/common';
import { MetricsController, openApiController } from '@keelson/service-kit';
import {
  GatewayHealthController,
  READINESS,
  type ReadinessChecks,
} from './health/gateway-health.controller';
import { gatewayOpenApi } from './http/openapi';

/**
 * The Nest side of the gateway is small on purpose: health, metrics and the OpenAPI document. The `/v2` data plane is
 * registered straight on Fastify (see http-server.startup.ts), where a request costs no more than the
 * protocol needs.
 */
@Module({})
export class GatewayModule {
  static register(readiness: ReadinessChecks): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [GatewayHealthController, MetricsController, openApiController(gatewayOpenApi)],
      providers: [{ provide: READINESS, useValue: readiness }],
    };
  }
}
