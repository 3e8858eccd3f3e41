import { Controller, Get } from '@nestjs/common';
import { recoveryOpenApi } from './openapi';

@Controller()
export class OpenApiController {
  @Get('openapi.json')
  document() {
    return recoveryOpenApi;
  }
}
