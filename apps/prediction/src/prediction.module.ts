import { Module } from '@nestjs/common';
import { MetricsController, openApiController } from '@keelson/service-kit';
import { predictionOpenApi } from './http/openapi';

/**
 * The Nest side of a node is small on purpose: the `/v2` data plane is registered straight on
 * Fastify (see bootstrap.ts), where each request costs no more than the protocol needs.
 */
@Module({ controllers: [MetricsController, openApiController(predictionOpenApi)] })
export class PredictionModule {}
