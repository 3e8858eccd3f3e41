import { Body, Controller, Get, HttpCode, Param, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DatasetRepository } from '@keelson/persistence';
import { ApiError, parseJsonBody, RequireScope } from '@keelson/service-kit';
import { DatasetCatalog } from './dataset-catalog.service';

@Controller('v1/datasets')
export class DatasetsController {
  constructor(
    private readonly catalog: DatasetCatalog,
    private readonly datasets: DatasetRepository,
  ) {}

  /** Registers a dataset, or a compatible new version of its schema. 201 new, 200 otherwise. */
  @Put(':name')
  @RequireScope('admin')
  async register(
    @Param('name') name: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.catalog.register(name, parseJsonBody(body));
    void reply.status(result.status === 'created' ? 201 : 200);
    return result;
  }

  @Get()
  @RequireScope('ingest')
  async list() {
    return { datasets: await this.datasets.list() };
  }

  @Get(':name')
  @RequireScope('ingest')
  async get(@Param('name') name: string) {
    const dataset = await this.datasets.get(name);
    if (!dataset) throw ApiError.notFound(`dataset ${name} is not registered`);
    return dataset;
  }

  @Get(':name/versions')
  @RequireScope('ingest')
  @HttpCode(200)
  async history(@Param('name') name: string) {
    const versions = await this.datasets.history(name);
    if (versions.length === 0) throw ApiError.notFound(`dataset ${name} is not registered`);
    return { versions };
  }
}
