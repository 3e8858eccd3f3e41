import {
  Inject,
  Injectable,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import { EventPublisher } from '@keelson/messaging';
import { TrainingJobRepository, type TrainingJob } from '@keelson/persistence';
import { TrainingFailed, TrainingRequested, uuidv7, type EventData } from '@keelson/schemas';
import type { TrainingConfig } from '../config';

export type TrainingRequest = EventData<typeof TrainingRequested>;

/**
 * Training jobs as a work queue on JetStream: a request becomes a job document and a
 * `training.requested` event whose id is the job id; the `training-requests` consumer is the queue
 * (its ack wait, kept alive by heartbeats, is the worker's lease). A sweep catches jobs whose
 * worker died: they go back to `queued` (JetStream redelivers them) or, out of attempts, `failed`.
 */
@Injectable()
export class TrainingJobs implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(TrainingJobs.name);
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly jobs: TrainingJobRepository,
    private readonly publisher: EventPublisher,
    @Inject(APP_CONFIG) private readonly config: TrainingConfig,
  ) {}

  /** Queues a job. A repeated `id` (a retried request, a policy firing twice) is the same job. */
  async request(request: TrainingRequest, trigger: string, id = uuidv7()): Promise<TrainingJob> {
    const job: TrainingJob = {
      _id: id,
      model: request.model,
      dataset: request.dataset,
      algorithm: request.algorithm,
      hyperparameters: request.hyperparameters ?? {},
      trigger,
      ...(request.reason ? { reason: request.reason } : {}),
      status: 'queued',
      attempts: 0,
      requestedAt: new Date(),
    };
    const created = await this.jobs.create(job);
    const stored = created ? job : ((await this.jobs.get(id)) ?? job);
    // A job that exists but never started may be one whose first request died before publishing:
    // publish again (the event id is the job id, so JetStream drops a true repeat).
    if (created || (stored.status === 'queued' && stored.attempts === 0))
      await this.publisher.publish(TrainingRequested, request, { id });
    return stored;
  }

  /** The job for a delivered request; one published straight onto the stream gets one here. */
  async forEvent(eventId: string, request: TrainingRequest): Promise<TrainingJob> {
    const existing = await this.jobs.get(eventId);
    if (existing) return existing;
    await this.jobs.create({
      _id: eventId,
      model: request.model,
      dataset: request.dataset,
      algorithm: request.algorithm,
      hyperparameters: request.hyperparameters ?? {},
      trigger: 'event',
      ...(request.reason ? { reason: request.reason } : {}),
      status: 'queued',
      attempts: 0,
      requestedAt: new Date(),
    });
    return (await this.jobs.get(eventId))!;
  }

  get(id: string) {
    return this.jobs.get(id);
  }

  list(filter: Parameters<TrainingJobRepository['list']>[0], limit?: number) {
    return this.jobs.list(filter, limit);
  }

  onModuleInit(): void {
    const every = Math.max(500, Math.floor(this.config.jobs.leaseMs / 2));
    this.sweep = setInterval(() => void this.rescueStale().catch(() => undefined), every);
    this.sweep.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
  }

  /** Jobs marked running whose worker stopped heartbeating: never left looking alive. */
  async rescueStale(): Promise<number> {
    const stale = await this.jobs.stale(new Date(Date.now() - this.config.jobs.leaseMs));
    for (const job of stale) {
      const exhausted = job.attempts >= this.config.jobs.maxAttempts;
      const error = `the worker stopped reporting during attempt ${job.attempts}`;
      this.logger.warn(`job ${job._id}: ${error}; ${exhausted ? 'failed' : 'queued again'}`);
      await this.jobs.update(job._id, {
        status: exhausted ? 'failed' : 'queued',
        error,
        ...(exhausted ? { finishedAt: new Date() } : {}),
      });
      await this.publisher.publish(TrainingFailed, {
        jobId: job._id,
        model: job.model,
        error,
        attempt: Math.max(1, job.attempts),
        willRetry: !exhausted,
      });
    }
    return stale.length;
  }
}
