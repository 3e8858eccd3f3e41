import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import type { CloudEvent, EventData, RecordRejected, RecordsValidated } from '@keelson/schemas';
import { SeriesService } from '../anomaly/series.service';

/**
 * Counts accepted and rejected records per dataset (`monitoring-records`) for the ingest-rate and
 * rejection-rate series.
 */
@Controller()
export class RecordsConsumer {
  constructor(private readonly series: SeriesService) {}

  @EventPattern('records.validated.*')
  onValidated(@Payload() event: CloudEvent<EventData<typeof RecordsValidated>>): void {
    this.series.countRecords(
      event.id,
      event.data.dataset,
      event.data.records.length,
      0,
      event.time,
    );
  }

  @EventPattern('records.rejected.*')
  onRejected(@Payload() event: CloudEvent<EventData<typeof RecordRejected>>): void {
    this.series.countRecords(event.id, event.data.dataset, 0, 1, event.time);
  }
}
