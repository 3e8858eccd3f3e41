import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { MessageContext } from '@keelson/messaging';
import type { CloudEvent } from '@keelson/schemas';
import { JobRunner } from './job-runner.service';
import { TrainingJobs, type TrainingRequest } from './training-jobs.service';

/** The job queue: one `training.requested` message in flight per instance (a job holds a core). */
@Controller()
export class TrainingRequestsConsumer {
  constructor(
    private readonly jobs: TrainingJobs,
    private readonly runner: JobRunner,
  ) {}

  @EventPattern('training.requested')
  async onRequested(
    @Payload() event: CloudEvent<TrainingRequest>,
    @Ctx() context: MessageContext,
  ): Promise<void> {
    const job = await this.jobs.forEvent(event.id, event.data);
    await this.runner.run(job, context.deliveryCount);
  }
}
