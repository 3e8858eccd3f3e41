import { Controller, Get, type Type } from '@nestjs/common';
import { Public } from './auth/api-key.guard';

/** `GET /openapi.json`, public: a service's API description, served as written. */
export function openApiController(document: object): Type<unknown> {
  @Public()
  @Controller()
  class OpenApiController {
    @Get('openapi.json')
    document() {
      return document;
    }
  }
  return OpenApiController;
}
