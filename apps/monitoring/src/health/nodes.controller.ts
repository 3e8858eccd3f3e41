import { Controller, Get } from '@nestjs/common';
import { RequireScope } from '@keelson/service-kit';
import { NodeHealthService } from './node-health.service';

/** The node pool as monitoring judges it: state, score, reasons and figures of each node. */
@Controller('v1/nodes')
export class NodesController {
  constructor(private readonly health: NodeHealthService) {}

  @Get()
  @RequireScope('monitoring:read')
  list() {
    return { nodes: this.health.nodes() };
  }
}
