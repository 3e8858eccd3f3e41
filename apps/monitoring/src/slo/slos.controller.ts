import { Controller, Get } from '@nestjs/common';
import { RequireScope } from '@keelson/service-kit';
import { SeriesService } from '../anomaly/series.service';
import { CapacityService } from '../capacity/capacity.service';
import { SloService } from './slo.service';

/** SLO burn per model, and the watched anomaly and capacity series. */
@Controller('v1')
export class SlosController {
  constructor(
    private readonly slos: SloService,
    private readonly series: SeriesService,
    private readonly capacity: CapacityService,
  ) {}

  @Get('slos')
  @RequireScope('monitoring:read')
  list() {
    return { slos: this.slos.list() };
  }

  @Get('series')
  @RequireScope('monitoring:read')
  watched() {
    return { anomaly: this.series.list(), capacity: this.capacity.list() };
  }
}
