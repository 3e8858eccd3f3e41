import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { MessageContext } from '@keelson/messaging';
import type { CloudEvent, EventData, IngestRecords } from '@keelson/schemas';
import { RecordIngestor, UnknownDatasetError, type Arrival } from './record-ingestor.service';

/**
 * Records published straight onto `ingest.<dataset>`: the same pipeline as HTTP. The message is
 * acknowledged only after its records are stored and announced; a dependency failure leaves it
 * unacknowledged for redelivery.
 */
@Controller()
export class RecordsConsumer {
  constructor(private readonly ingestor: RecordIngestor) {}

  @EventPattern('ingest.*')
  async onRecords(
    @Payload() event: CloudEvent<EventData<typeof IngestRecords>>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    const dataset = context.subject.slice('ingest.'.length);
    // Derived from the message alone, so a redelivery reproduces the same event ids.
    const arrival: Arrival = {
      via: 'nats',
      origin: `nats:${event.id}`,
      receivedAtMs: Date.parse(event.time) || context.streamSequence,
    };
    try {
      await this.ingestor.ingest(dataset, event.data.records, arrival);
    } catch (error) {
      if (!(error instanceof UnknownDatasetError)) throw error;
      await this.ingestor.rejectUnknownDataset(dataset, event.data.records, arrival);
    }
  }
}
