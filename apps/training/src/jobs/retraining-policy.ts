import {
  Controller,
  Inject,
  Logger,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { APP_CONFIG } from '@keelson/config/nest';
import { FeatureStatsRepository } from '@keelson/persistence';
import {
  deterministicUuidv7,
  type CloudEvent,
  type EventData,
  type FeatureRowsCreated,
} from '@keelson/schemas';
import type { TrainingConfig } from '../config';
import { TrainingJobs } from './training-jobs.service';

export interface RetrainingPolicy {
  model: string;
  dataset: string;
  algorithm: 'logistic' | 'mlp';
  everyRows: number;
}

/** Parses `model:dataset:algorithm:everyRows` entries; a bad one stops the service at start. */
export function parsePolicies(entries: string[]): RetrainingPolicy[] {
  return entries.map((entry) => {
    const [model, dataset, algorithm, every] = entry.split(':');
    const everyRows = Number(every);
    if (!model || !dataset || (algorithm !== 'logistic' && algorithm !== 'mlp'))
      throw new Error(`TRAINING_POLICIES: "${entry}" is not model:dataset:logistic|mlp:everyRows`);
    if (!Number.isInteger(everyRows) || everyRows < 1)
      throw new Error(`TRAINING_POLICIES: "${entry}" needs a positive whole number of rows`);
    return { model, dataset, algorithm, everyRows };
  });
}

const CHECK_DELAY_MS = 1_000;

/**
 * Retrains every N new feature rows. Feature events only wake the check; the count comes from the
 * database, and each threshold crossed (k x N rows) maps to one job id, so two instances, a
 * redelivered event or a restart never train twice for the same threshold.
 */
@Controller()
export class RetrainingPolicyConsumer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(RetrainingPolicyConsumer.name);
  private readonly policies: RetrainingPolicy[];
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private sweep?: NodeJS.Timeout;
  private readonly sweepMs: number;

  constructor(
    private readonly stats: FeatureStatsRepository,
    private readonly jobs: TrainingJobs,
    @Inject(APP_CONFIG) config: TrainingConfig,
  ) {
    this.policies = parsePolicies(config.policies);
    this.sweepMs = config.policySweepMs;
  }

  @EventPattern('features.*')
  onFeatures(@Payload() event: CloudEvent<EventData<typeof FeatureRowsCreated>>): void {
    const dataset = event.data.dataset;
    if (!this.policies.some((p) => p.dataset === dataset) || this.pending.has(dataset)) return;
    // Rows arrive in bursts: one count per second per dataset, after the burst's first event. The
    // timer runs in that event's trace, so the count, and the job it may request (whose data read
    // follows its `training.requested` event), are part of the trace of the records that woke it.
    const timer = setTimeout(() => {
      this.pending.delete(dataset);
      void this.check(dataset).catch((error: Error) =>
        this.logger.warn(`retraining check for ${dataset} failed: ${error.message}`),
      );
    }, CHECK_DELAY_MS);
    this.pending.set(dataset, timer);
  }

  /** Requests the job for the latest threshold crossed by each policy of the dataset. */
  async check(dataset: string): Promise<void> {
    // The statistics count every stored row once, kept with the writes: no search of the rows.
    const rows = (await this.stats.get(dataset))?.records ?? 0;
    for (const policy of this.policies.filter((p) => p.dataset === dataset)) {
      const threshold = Math.floor(rows / policy.everyRows) * policy.everyRows;
      if (threshold === 0) continue;
      const id = deterministicUuidv7(0, `policy:${policy.model}:${dataset}:${threshold}`);
      const job = await this.jobs.request(
        {
          model: policy.model,
          dataset,
          algorithm: policy.algorithm,
          reason: `${threshold} feature rows (every ${policy.everyRows})`,
        },
        `policy:${threshold}`,
        id,
      );
      if (job.attempts === 0 && job.status === 'queued')
        this.logger.log(`requested ${policy.model} on ${dataset} at ${threshold} rows`);
    }
  }

  /** Events only speed the check up: a slow sweep also checks every policy, so none is missed. */
  onModuleInit(): void {
    if (this.policies.length === 0) return;
    this.sweep = setInterval(() => {
      for (const dataset of new Set(this.policies.map((p) => p.dataset)))
        void this.check(dataset).catch((error: Error) =>
          this.logger.warn(`retraining check for ${dataset} failed: ${error.message}`),
        );
    }, this.sweepMs);
    this.sweep.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
    for (const timer of this.pending.values()) clearTimeout(timer);
  }
}
