import { Module } from '@nestjs/common';
import { MetricsController } from '@keelson/service-kit';

/**
 * The Nest side of a node is small on purpose: the `/v2` data plane is registered straight on
 * Fastify (see bootstrap.ts), where each request costs no more than the protocol needs.
 */
@Module({ controllers: [MetricsController] })
export class PredictionModule {}
