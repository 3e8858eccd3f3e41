import { Controller, Get } from '@nestjs/common';
import { ingestionOpenApi } from './openapi';

@Controller()
export class OpenApiController {
  @Get('openapi.json')
  document() {
    return ingestionOpenApi;
  }
}
