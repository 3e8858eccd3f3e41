import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { defaultRouting } from '@keelson/healing';
import type { RoutingValue } from '@keelson/schemas';
import {
  ApiError,
  parseJsonBody,
  RequireScope,
  type AuthenticatedRequest,
} from '@keelson/service-kit';
import { LeadershipService } from '../leadership/leadership.service';
import { ControlLoopService } from './control-loop.service';
import { parseRoutingRequest } from './routing-request';

/**
 * The node pool's routing as recovery keeps it, and the operator's hand on it: eject (for a while,
 * or until re-admitted), admit (into probation's slow start), drain (no traffic, readiness kept).
 * An operator's entry is `manual`: recovery leaves it alone until the operator admits the node.
 */
@Controller('v1/nodes')
export class NodesController {
  constructor(
    private readonly loop: ControlLoopService,
    private readonly leadership: LeadershipService,
  ) {}

  @Get()
  @RequireScope('routing:read')
  list() {
    const { pools, holds, probes } = this.loop.state();
    const nodes = this.loop.facts().map((f) => {
      const routing = f.routing ?? defaultRouting(Date.now());
      const probe = probes.get(f.nodeId);
      return {
        nodeId: f.nodeId,
        registered: f.registered,
        models: f.models,
        ...routing,
        ...(f.alert && { alert: f.alert }),
        ...(holds.has(f.nodeId) && { held: holds.get(f.nodeId) }),
        ...(probe && { lastProbe: { ...probe, at: new Date(probe.at).toISOString() } }),
      };
    });
    return {
      leader: { instance: this.leadership.instance, leading: this.leadership.isLeader },
      nodes,
      pools,
    };
  }

  @Post(':id/eject')
  @HttpCode(200)
  @RequireScope('routing:write')
  async eject(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const { reason, durationMs } = parseRoutingRequest(id, parseJsonBody(body), true);
    const current = this.current(id);
    const now = Date.now();
    return this.change(id, req, `eject: ${reason}`, {
      state: 'ejected',
      weight: 0,
      reason,
      since: new Date(now).toISOString(),
      ejections: current.ejections + 1,
      ...(durationMs !== undefined && { until: new Date(now + durationMs).toISOString() }),
      // Without a duration it stays out until an operator admits it; with one, recovery probes it
      // when the time is up, as it would its own ejection.
      manual: durationMs === undefined,
      by: req.apiKey.id,
    });
  }

  @Post(':id/admit')
  @HttpCode(200)
  @RequireScope('routing:write')
  async admit(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const { reason } = parseRoutingRequest(id, parseJsonBody(body), false);
    const current = this.current(id);
    return this.change(id, req, `admit: ${reason}`, {
      state: 'probation',
      weight: this.loop.settings.minWeight,
      reason,
      since: new Date().toISOString(),
      ejections: current.ejections,
      ...(current.alertId && { alertId: current.alertId }),
      by: req.apiKey.id,
    });
  }

  @Post(':id/drain')
  @HttpCode(200)
  @RequireScope('routing:write')
  async drain(@Param('id') id: string, @Body() body: unknown, @Req() req: AuthenticatedRequest) {
    const { reason } = parseRoutingRequest(id, parseJsonBody(body), false);
    const current = this.current(id);
    return this.change(id, req, `drain: ${reason}`, {
      state: 'drained',
      weight: 0,
      reason,
      since: new Date().toISOString(),
      ejections: current.ejections,
      manual: true,
      by: req.apiKey.id,
    });
  }

  private current(id: string): RoutingValue {
    const known = this.loop.cluster.nodes.has(id) || this.loop.cluster.routing.has(id);
    if (!known) throw ApiError.notFound(`no prediction node ${id} is registered or routed`);
    return this.loop.cluster.routing.get(id)?.value ?? defaultRouting(Date.now());
  }

  private async change(id: string, req: AuthenticatedRequest, why: string, value: RoutingValue) {
    const written = await this.loop.write(id, value, req.apiKey.id, why);
    if (!written)
      throw new ApiError(409, `the routing entry of ${id} changed meanwhile; look again and retry`);
    return { nodeId: id, routing: value };
  }
}
