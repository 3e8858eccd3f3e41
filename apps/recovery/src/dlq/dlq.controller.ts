import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG } from '@keelson/config/nest';
import {
  ApiError,
  parseJsonBody,
  RequireScope,
  type AuthenticatedRequest,
} from '@keelson/service-kit';
import type { DeadLetterEntry } from '@keelson/persistence';
import { AuditService } from '../audit/audit.service';
import type { RecoveryConfig } from '../config';
import { AutoReplayService } from './auto-replay.service';
import { parseArchiveRequest, parseEntryQuery, parseReplayRequest } from './dlq-request';
import { DlqStore } from './dlq-store.service';
import { ReplayService } from './replay.service';

const ID = /^[A-Za-z0-9_$.-]{1,256}$/;
const checkId = (id: string, what: string) => {
  if (!ID.test(id))
    throw ApiError.badRequest(`invalid ${what} id`, [
      { field: 'id', reason: 'letters, digits, _ . $ and -' },
    ]);
};

/** An entry as an operator reads it: the payload decoded when it is JSON. */
function entryJson(entry: DeadLetterEntry, withPayload: boolean) {
  const { payloadBase64, ...rest } = entry;
  if (!withPayload) return rest;
  let payload: unknown = undefined;
  if (payloadBase64) {
    const text = Buffer.from(payloadBase64, 'base64').toString('utf8');
    try {
      payload = JSON.parse(text);
    } catch {
      payload = { base64: payloadBase64 };
    }
  }
  return {
    ...rest,
    payload: payload ?? (entry.payloadObject ? { object: entry.payloadObject } : null),
  };
}

/**
 * Dead letters: groups (as ServicePulse shows failed messages), entries with their decoded
 * payload, headers and error, replays as tasks (dry-run counts, a rate, follow, cancel), archiving.
 * Every change is audited with the key that made it.
 */
@Controller('v1')
export class DlqController {
  constructor(
    private readonly store: DlqStore,
    private readonly replays: ReplayService,
    private readonly auto: AutoReplayService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: RecoveryConfig,
  ) {}

  @Get('dlq/groups')
  @RequireScope('dlq:read')
  async groups() {
    return { groups: await this.store.listGroups(), services: this.auto.services.list() };
  }

  @Get('dlq/groups/:id')
  @RequireScope('dlq:read')
  async group(@Param('id') id: string) {
    checkId(id, 'group');
    const group = await this.store.findGroup(id);
    if (!group) throw ApiError.notFound(`no dead-letter group ${id}`);
    return group;
  }

  @Get('dlq/entries')
  @RequireScope('dlq:read')
  async entries(@Query() query: Record<string, unknown>) {
    const { filter, limit } = parseEntryQuery(query);
    return {
      entries: (await this.store.entries.list(filter, limit)).map((e) => entryJson(e, false)),
    };
  }

  @Get('dlq/entries/:id')
  @RequireScope('dlq:read')
  async entry(@Param('id') id: string) {
    checkId(id, 'entry');
    const entry = await this.store.entries.get(id);
    if (!entry) throw ApiError.notFound(`no dead letter ${id}`);
    return entryJson(entry, true);
  }

  @Post('dlq/replays')
  @RequireScope('dlq:replay')
  async replay(
    @Body() body: unknown,
    @Req() req: AuthenticatedRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const request = parseReplayRequest(parseJsonBody(body), this.config.replay.ratePerSecond);
    if (request.dryRun) return { dryRun: true, count: await this.replays.count(request.selection) };
    const task = await this.replays.create({
      selection: request.selection,
      rate: request.rate,
      reason: request.reason,
      by: req.apiKey.id,
      auto: false,
    });
    void reply.status(202);
    return task;
  }

  @Get('dlq/replays')
  @RequireScope('dlq:read')
  async tasks() {
    return { replays: await this.replays.list(100) };
  }

  @Get('dlq/replays/:id')
  @RequireScope('dlq:read')
  async task(@Param('id') id: string) {
    checkId(id, 'replay');
    const task = await this.replays.get(id);
    if (!task) throw ApiError.notFound(`no replay ${id}`);
    return task;
  }

  @Post('dlq/replays/:id/cancel')
  @HttpCode(200)
  @RequireScope('dlq:replay')
  async cancel(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    checkId(id, 'replay');
    const reason = (parseJsonBody(body ?? '{}') as { reason?: unknown })?.reason;
    const task = await this.replays.cancel(
      id,
      req.apiKey.id,
      typeof reason === 'string' ? reason : 'cancelled',
    );
    if (!task) throw ApiError.notFound(`no replay ${id}`);
    return task;
  }

  @Post('dlq/archive')
  @HttpCode(200)
  @RequireScope('dlq:replay')
  async archive(@Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const { selection, reason } = parseArchiveRequest(parseJsonBody(body));
    const archived = await this.store.entries.update(selection, {
      set: { state: 'archived', by: req.apiKey.id },
    });
    await this.audit.record(
      req.apiKey.id,
      'dlq.archive',
      selection.groupId ?? `${selection.ids?.length} entries`,
      reason,
      {
        selection,
        archived,
      },
    );
    for (const g of this.store.allGroups())
      if (!selection.groupId || g._id === selection.groupId) await this.store.recount(g._id);
    return { archived };
  }

  @Get('audit')
  @RequireScope('dlq:read')
  async trail(@Query('target') target?: string, @Query('limit') limit?: string) {
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 1_000)
      throw ApiError.badRequest('invalid limit', [
        { field: 'limit', reason: 'an integer from 1 to 1000' },
      ]);
    return { audit: await this.audit.list(target, n) };
  }
}
