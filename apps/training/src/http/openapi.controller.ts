import { Controller, Get } from '@nestjs/common';
import { trainingOpenApi } from './openapi';

@Controller()
export class OpenApiController {
  @Get('openapi.json')
  document() {
    return trainingOpenApi;
  }
}
