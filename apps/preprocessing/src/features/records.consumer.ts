import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { APP_CONFIG } from '@keelson/config';
import type { CloudEvent, EventData, RecordValidated } from '@keelson/schemas';
import type { PreprocessingConfig } from '../config';
import { FeatureBuilder, type ValidatedRecord } from './feature-builder.service';
import { MicroBatcher } from './micro-batcher';

/**
 * Validated records arrive one message each; they are grouped per dataset into batches so the
 * database sees one write per batch. Each message is acked when its batch is stored and announced.
 */
@Controller()
export class ValidatedRecordsConsumer {
  private readonly batcher: MicroBatcher<ValidatedRecord>;

  constructor(builder: FeatureBuilder, @Inject(APP_CONFIG) config: PreprocessingConfig) {
    this.batcher = new MicroBatcher(
      (dataset, records) => builder.build(dataset, records),
      config.batching.maxRecords,
      config.batching.maxDelayMs,
    );
  }

  @EventPattern('records.validated.*')
  onValidated(@Payload() event: CloudEvent<EventData<typeof RecordValidated>>): Promise<void> {
    const { dataset, recordId, values, receivedAt } = event.data;
    return this.batcher.add(dataset, { recordId, values, receivedAt });
  }
}
