import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Body, Controller, Get, Headers, Inject, Param, Post, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { APP_CONFIG } from '@keelson/config/nest';
import { AlertRepository } from '@keelson/persistence';
import { ApiError, parseJsonBody, Public, RequireScope } from '@keelson/service-kit';
import { alertJson } from '../alerts/alerts.controller';
import type { MonitoringConfig } from '../config';
import { DriftService } from '../drift/drift.service';
import { NodeHealthService } from '../health/node-health.service';
import { ConsoleBuckets } from './console-buckets.service';
import {
  dlqView,
  modelRows,
  poolRows,
  type RecoveryGroup,
  type RecoveryTask,
} from './console-view';
import { RecoveryClient } from './recovery-client';

/** The page's files: a fixed list, so no request can name any other file. */
const ASSETS: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console-view.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};
// The page loads nothing but its own files and calls nothing but this service.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The operator console: a page served by monitoring (its files need no key; every call it makes
 * does), one overview of what monitoring knows, and recovery's dead letters and replays through
 * recovery's own API with the operator's key.
 */
@Controller()
export class ConsoleController {
  private readonly files = new Map<string, Buffer>();
  private readonly recovery: RecoveryClient;

  constructor(
    @Inject(APP_CONFIG) private readonly config: MonitoringConfig,
    private readonly buckets: ConsoleBuckets,
    private readonly health: NodeHealthService,
    private readonly drift: DriftService,
    private readonly alerts: AlertRepository,
  ) {
    for (const name of Object.keys(ASSETS))
      this.files.set(name, readFileSync(join(__dirname, 'assets', name)));
    this.recovery = new RecoveryClient(
      config.console.recoveryUrl,
      config.console.recoveryTimeoutMs,
    );
  }

  @Get('console')
  @Public()
  async page(@Res() reply: FastifyReply) {
    await this.send(reply, 'index.html');
  }

  @Get('console/:file')
  @Public()
  async asset(@Param('file') file: string, @Res() reply: FastifyReply) {
    if (!Object.hasOwn(ASSETS, file) || file === 'index.html')
      throw ApiError.notFound(`the console has no file ${file}`);
    await this.send(reply, file);
  }

  /** Everything monitoring itself knows, in one answer per poll. */
  @Get('v1/console/overview')
  @RequireScope('monitoring:read')
  async overview() {
    const [firing, recent] = await Promise.all([
      this.alerts.list({ state: 'firing' }, 200),
      this.alerts.list({}, 50),
    ]);
    return {
      generatedAt: new Date().toISOString(),
      jaegerUrl: this.config.console.jaegerUrl.replace(/\/+$/, '') || null,
      pool: poolRows(this.buckets.nodes, this.buckets.routing, this.health.nodes()),
      models: modelRows(
        this.buckets.models,
        this.buckets.nodes,
        (model) => this.drift.model(model)?.versions,
      ),
      alerts: { firing: firing.map(alertJson), recent: recent.map(alertJson) },
    };
  }

  /** Recovery's dead-letter groups (with their latest traces) and replay tasks, with the caller's key. */
  @Get('v1/console/dlq')
  @RequireScope('dlq:read')
  async dlq(
    @Headers('authorization') authorization?: string,
    @Headers('x-api-key') apiKey?: string,
  ) {
    const auth = forwardedKey(authorization, apiKey);
    const [groups, tasks] = await Promise.all([
      this.recovery.read<{ groups: RecoveryGroup[] }>('/v1/dlq/groups', auth),
      this.recovery.read<{ replays: RecoveryTask[] }>('/v1/dlq/replays', auth),
    ]);
    return {
      generatedAt: new Date().toISOString(),
      ...dlqView(groups.groups, tasks.replays),
    };
  }

  /** Starts (or dry-runs) a replay: the body goes to recovery as it came. */
  @Post('v1/console/dlq/replays')
  @RequireScope('dlq:replay')
  async replay(
    @Body() body: unknown,
    @Res() reply: FastifyReply,
    @Headers('authorization') authorization?: string,
    @Headers('x-api-key') apiKey?: string,
  ) {
    const answer = await this.recovery.call(
      'POST',
      '/v1/dlq/replays',
      forwardedKey(authorization, apiKey),
      // Bodies arrive as text (the service parses JSON itself): refuse what is not JSON here.
      parseJsonBody(body ?? ''),
    );
    if (answer.retryAfter) void reply.header('retry-after', answer.retryAfter);
    await reply.status(answer.status).send(answer.body);
  }

  private async send(reply: FastifyReply, name: string) {
    await reply
      .header('content-type', ASSETS[name])
      .header('content-security-policy', CSP)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-cache')
      .send(this.files.get(name));
  }
}

function forwardedKey(authorization?: string, apiKey?: string): string | undefined {
  return authorization ?? (apiKey ? `Bearer ${apiKey}` : undefined);
}
