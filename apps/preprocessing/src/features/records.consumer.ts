import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { APP_CONFIG } from '@keelson/config/nest';
import { MicroBatcher } from '@keelson/messaging';
import type { CloudEvent, EventData, RecordsValidated } from '@keelson/schemas';
import type { PreprocessingConfig } from '../config';
import { FeatureBuilder, type ValidatedBatch } from './feature-builder.service';

/**
 * Validated records arrive in events of up to 500; events are grouped per dataset into batches of
 * `PREPROCESSING_BATCH_RECORDS` so the database sees few, large writes. Each message is acked when
 * its batch is stored and announced.
 */
@Controller()
export class ValidatedRecordsConsumer {
  private readonly batcher: MicroBatcher<ValidatedBatch>;

  constructor(builder: FeatureBuilder, @Inject(APP_CONFIG) config: PreprocessingConfig) {
    this.batcher = new MicroBatcher(
      (dataset, records) => builder.build(dataset, records),
      config.batching.maxRecords,
      config.batching.maxDelayMs,
    );
  }

  @EventPattern('records.validated.*')
  onValidated(@Payload() event: CloudEvent<EventData<typeof RecordsValidated>>): Promise<void> {
    const { dataset, records } = event.data;
    return this.batcher.add(
      dataset,
      { eventId: event.id, eventTime: event.time, records },
      records.length,
    );
  }
}
