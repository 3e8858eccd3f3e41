import { Controller, Get, Param } from '@nestjs/common';
import { ApiError, RequireScope } from '@keelson/service-kit';
import { FeatureBuilder } from './feature-builder.service';

/**
 * Read-only view for operators and training: the current transform spec and statistics. The
 * statistics describe producers' data, so a key with `ingest` or `train` is needed.
 */
@Controller('v1/datasets/:name/features')
export class FeaturesController {
  constructor(private readonly builder: FeatureBuilder) {}

  @Get()
  @RequireScope('ingest', 'train')
  async describe(@Param('name') name: string) {
    const description = await this.builder.describe(name);
    if (!description.transform) throw ApiError.notFound(`no feature rows for dataset ${name} yet`);
    return description;
  }
}
