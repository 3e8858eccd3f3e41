import { Controller, Inject } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { APP_CONFIG } from '@keelson/config/nest';
import { MicroBatcher, type MessageContext } from '@keelson/messaging';
import type { CloudEvent, EventData, IngestRecords } from '@keelson/schemas';
import type { IngestionConfig } from '../config';
import { DependencyUnavailableError, UnknownDatasetError } from './dependency-guard';
import type { Arrival, IngestGroup } from './ingest.types';
import { RecordIngestor } from './record-ingestor.service';

/**
 * Records published straight onto `ingest.<dataset>`: the same pipeline as HTTP. Messages are
 * gathered per dataset into batches of `INGESTION_BATCH_RECORDS` (or `INGESTION_BATCH_DELAY`),
 * so producers that publish one record per message still cost the database one write per batch.
 * A message is acknowledged only after its batch is stored and announced; a dependency failure
 * leaves the whole batch unacknowledged for redelivery, and any other failure has each message of
 * the batch tried alone, so one bad message fails only itself. A batch of messages from several
 * producers' traces is stored in a span linked to each of them.
 */
@Controller()
export class RecordsConsumer {
  private readonly batcher: MicroBatcher<IngestGroup>;

  constructor(
    private readonly ingestor: RecordIngestor,
    @Inject(APP_CONFIG) config: IngestionConfig,
  ) {
    this.batcher = new MicroBatcher(
      async (dataset, groups) => void (await ingestor.ingestGroups(dataset, groups)),
      config.consumer.batchRecords,
      config.consumer.batchDelayMs,
      // An outage or an unknown dataset fails every message alike; anything else may be one
      // message's doing, so each is tried alone and gets its own verdict.
      (error) =>
        !(error instanceof DependencyUnavailableError) && !(error instanceof UnknownDatasetError),
      'ingest batch',
    );
  }

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
    const { records } = event.data;
    try {
      await this.batcher.add(dataset, { records, arrival }, Math.max(1, records.length));
    } catch (error) {
      if (!(error instanceof UnknownDatasetError)) throw error;
      await this.ingestor.rejectUnknownDataset(dataset, records, arrival);
    }
  }
}
