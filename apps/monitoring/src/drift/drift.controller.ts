import { Controller, Get, Param } from '@nestjs/common';
import { ApiError, RequireScope } from '@keelson/service-kit';
import { DriftService } from './drift.service';

const NAME = /^[A-Za-z0-9_-]{1,128}$/;

@Controller('v1/drift')
export class DriftController {
  constructor(private readonly drift: DriftService) {}

  /** A model's versions: reference, the window filling now, and the latest verdicts. */
  @Get(':model')
  @RequireScope('monitoring:read')
  model(@Param('model') model: string) {
    if (!NAME.test(model))
      throw ApiError.badRequest('invalid model name', [
        { field: 'model', reason: 'letters, digits, _ and -, at most 128' },
      ]);
    const found = this.drift.model(model);
    if (!found)
      throw ApiError.notFound(
        `no drift reference for model ${model}: it has no trained version monitoring knows`,
      );
    return found;
  }
}
