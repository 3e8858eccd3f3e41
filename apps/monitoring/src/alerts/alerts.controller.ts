import { Controller, Get, Param, Query } from '@nestjs/common';
import type { AlertRecord } from '@keelson/persistence';
import { ApiError, RequireScope } from '@keelson/service-kit';
import { AlertRepository } from '@keelson/persistence';
import { parseAlertQuery } from './alert-query';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Alerts as stored: the firing ones and their history, newest first. */
@Controller('v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertRepository) {}

  @Get()
  @RequireScope('monitoring:read')
  async list(@Query() query: Record<string, unknown>) {
    const { limit, ...filter } = parseAlertQuery(query);
    return { alerts: (await this.alerts.list(filter, limit)).map(alertJson) };
  }

  @Get(':id')
  @RequireScope('monitoring:read')
  async get(@Param('id') id: string) {
    if (!UUID.test(id))
      throw ApiError.badRequest('an alert id is a UUIDv7', [
        { field: 'id', reason: 'not a UUIDv7' },
      ]);
    const alert = await this.alerts.get(id);
    if (!alert) throw ApiError.notFound(`no alert ${id}`);
    return alertJson(alert);
  }
}

export function alertJson(a: AlertRecord) {
  return {
    id: a._id,
    key: a.key,
    kind: a.kind,
    target: a.target,
    state: a.state,
    severity: a.severity,
    message: a.message,
    reasons: a.reasons,
    evidence: a.evidence,
    startsAt: new Date(a.startsAt).toISOString(),
    ...(a.endsAt && { endsAt: new Date(a.endsAt).toISOString() }),
    updatedAt: new Date(a.updatedAt).toISOString(),
  };
}
