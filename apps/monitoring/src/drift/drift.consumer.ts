import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { counter } from '@keelson/service-kit';
import type { CloudEvent, EventData, ModelRegistered, PredictionSampled } from '@keelson/schemas';
import { DriftService } from './drift.service';

const LIFECYCLE = counter(
  'keelson_monitoring_model_events_total',
  'Training and model lifecycle events seen, by type',
  ['type'],
);

/**
 * The durable consumers drift needs: `monitoring-ml` (model lifecycle; a registration brings the
 * version's reference) and `monitoring-drift` (sampled predictions). Both are JetStream durables,
 * so a reference or a sample that arrives while monitoring is down is read when it is back.
 */
@Controller()
export class DriftConsumer {
  constructor(private readonly drift: DriftService) {}

  @EventPattern('model.>')
  async onModel(@Payload() event: CloudEvent<unknown>): Promise<void> {
    LIFECYCLE.inc({ type: event.type });
    if (event.type !== 'keelson.model.registered') return;
    const data = event.data as EventData<typeof ModelRegistered>;
    if (data.reference) await this.drift.registered(data.model, data.version, data.reference);
  }

  @EventPattern('training.>')
  onTraining(@Payload() event: CloudEvent<unknown>): void {
    LIFECYCLE.inc({ type: event.type });
  }

  @EventPattern('predictions.*')
  onSamples(@Payload() event: CloudEvent<EventData<typeof PredictionSampled>>): void {
    this.drift.sampled(event.data);
  }
}
