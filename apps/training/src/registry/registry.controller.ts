import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Name } from '@keelson/schemas';
import { compileValidator } from '@keelson/schemas';
import { ApiError, parseJsonBody, RequireScope } from '@keelson/service-kit';
import { ModelRegistry } from './model-registry.service';

const validName = compileValidator(Name);

function modelName(name: string): string {
  if (!validName(name).ok)
    throw ApiError.badRequest('invalid model name', [
      { field: 'name', reason: 'must be 1-128 letters, digits, "_" or "-"' },
    ]);
  return name;
}

function versionNumber(raw: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || !Number.isSafeInteger(n))
    throw ApiError.badRequest('invalid version', [
      { field: 'version', reason: 'must be a whole number from 1' },
    ]);
  return n;
}

/** Optional JSON body of the stage-changing calls: `{ "reason": "..." }` and friends. */
function options(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  const parsed = parseJsonBody(body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw ApiError.badRequest('the body must be a JSON object');
  return parsed as Record<string, unknown>;
}

function reasonOf(body: Record<string, unknown>, fallback: string): string {
  if (body.reason === undefined) return fallback;
  if (typeof body.reason !== 'string' || body.reason.length > 512)
    throw ApiError.badRequest('invalid reason', [
      { field: 'reason', reason: 'must be a string of at most 512 characters' },
    ]);
  return body.reason;
}

@Controller('v1/models')
export class RegistryController {
  constructor(private readonly registry: ModelRegistry) {}

  @Get()
  @RequireScope('train')
  async list() {
    const models = await this.registry.models();
    return {
      models: await Promise.all(
        models.map(async (m) => ({ ...m, stages: await this.registry.stages(m.model) })),
      ),
    };
  }

  @Get(':name')
  @RequireScope('train')
  async get(@Param('name') name: string) {
    const versions = await this.registry.list(modelName(name));
    if (versions.length === 0) throw ApiError.notFound(`no model named ${name}`);
    return { model: name, stages: await this.registry.stages(name), versions };
  }

  @Get(':name/versions/:version')
  @RequireScope('train')
  version(@Param('name') name: string, @Param('version') version: string) {
    return this.registry.version(modelName(name), versionNumber(version));
  }

  @Get(':name/versions/:version/artifact')
  @RequireScope('train')
  async artifact(
    @Param('name') name: string,
    @Param('version') version: string,
    @Res() reply: FastifyReply,
  ) {
    const v = versionNumber(version);
    const { meta, bytes } = await this.registry.artifact(modelName(name), v);
    await reply
      .header('content-type', 'application/octet-stream')
      .header('content-disposition', `attachment; filename="${name}-${v}.onnx"`)
      .header('etag', `"${meta.artifact.sha256}"`)
      .header('x-keelson-sha256', meta.artifact.sha256)
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  /** Registers an external ONNX model (raw bytes, `application/octet-stream`). */
  @Post(':name/versions')
  @HttpCode(201)
  @RequireScope('admin')
  async upload(
    @Param('name') name: string,
    @Body() body: unknown,
    @Query('dataset') dataset?: string,
  ) {
    if (!Buffer.isBuffer(body) || body.length === 0)
      throw ApiError.badRequest(
        'send the ONNX model as the body with Content-Type application/octet-stream',
      );
    if (dataset !== undefined && !validName(dataset).ok)
      throw ApiError.badRequest('invalid dataset', [
        { field: 'dataset', reason: 'not a dataset name' },
      ]);
    return this.registry.register(
      {
        model: modelName(name),
        source: 'upload',
        ...(dataset ? { dataset } : {}),
        metrics: {},
      },
      new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
    );
  }

  /** `{ "stage": "production" | "canary", "canaryWeight": 0.1, "reason": "..." }` */
  @Post(':name/versions/:version/promote')
  @HttpCode(200)
  @RequireScope('admin')
  async promote(
    @Param('name') name: string,
    @Param('version') version: string,
    @Body() raw: unknown,
  ) {
    const body = options(raw);
    const stage = body.stage ?? 'production';
    if (stage !== 'production' && stage !== 'canary')
      throw ApiError.badRequest('invalid stage', [
        { field: 'stage', reason: 'must be production or canary' },
      ]);
    const weight = body.canaryWeight ?? 0.1;
    if (typeof weight !== 'number' || !(weight > 0 && weight < 1))
      throw ApiError.badRequest('invalid canaryWeight', [
        { field: 'canaryWeight', reason: 'must be a number between 0 and 1 (exclusive)' },
      ]);
    return this.registry.promote(
      modelName(name),
      versionNumber(version),
      stage,
      reasonOf(body, 'promoted by an operator'),
      weight,
    );
  }

  @Post(':name/rollback')
  @HttpCode(200)
  @RequireScope('admin')
  rollback(@Param('name') name: string, @Body() raw: unknown) {
    return this.registry.rollback(
      modelName(name),
      reasonOf(options(raw), 'rolled back by an operator'),
    );
  }

  @Post(':name/versions/:version/archive')
  @HttpCode(200)
  @RequireScope('admin')
  async archive(
    @Param('name') name: string,
    @Param('version') version: string,
    @Body() raw: unknown,
  ) {
    await this.registry.archive(
      modelName(name),
      versionNumber(version),
      reasonOf(options(raw), 'archived by an operator'),
    );
    return this.registry.version(name, versionNumber(version));
  }
}
