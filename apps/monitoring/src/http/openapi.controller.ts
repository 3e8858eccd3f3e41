import { Controller, Get } from '@nestjs/common';
import { monitoringOpenApi } from './openapi';

@Controller()
export class OpenApiController {
  @Get('openapi.json')
  document() {
    return monitoringOpenApi;
  }
}
