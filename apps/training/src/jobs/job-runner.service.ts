import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import { EventPublisher, TerminalError } from '@keelson/messaging';
import {
  exportOnnx,
  forward,
  scoreClassifier,
  stratifiedHoldout,
  takeRows,
  type ClassifierScores,
  type TransformSpec,
} from '@keelson/ml';
import {
  RawRecordRepository,
  TrainingJobRepository,
  TransformRepository,
  type TrainingJob,
} from '@keelson/persistence';
import { TrainingCompleted, TrainingFailed, TrainingProgress } from '@keelson/schemas';
import { counter } from '@keelson/service-kit';
import { currentTraceId, withSpan } from '@keelson/tracing';
import type { TrainingConfig } from '../config';
import { scoreArtifact } from '../registry/holdout-scorer';
import { ModelRegistry } from '../registry/model-registry.service';
import { decidePromotion } from '../registry/promotion-policy';
import { trainingReference } from '../registry/training-reference';
import { resolveHyperparameters } from './hyperparameters';
import { toMatrix } from './training-data';
import { trainInWorker, type TrainingRunHandle } from './worker-trainer';

const JOBS = counter('keelson_training_jobs_total', 'Training jobs finished, by outcome', [
  'outcome',
]);

/** Why a job cannot succeed however often it is retried: it fails at once. */
class JobRejected extends TerminalError {}

/** The service is shutting down: the job goes back to the queue (the message is nak'ed). */
class ShuttingDown extends Error {
  constructor(jobId: string) {
    super(`training is shutting down; job ${jobId} goes back to the queue`);
  }
}

/**
 * Runs one training job end to end: read the window, apply the newest transform, hold out a
 * stratified test split, train in a worker thread (progress on `training.progress`), score on the
 * holdout, export ONNX with the transform inside, register the version, and promote it if it beats
 * production on the same holdout rows. The job document tells its status at every step.
 */
@Injectable()
export class JobRunner implements BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(JobRunner.name);
  /** Set on shutdown: no job starts, and the running one is given back. */
  private stopping = false;
  private readonly running = new Set<TrainingRunHandle>();
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly jobs: TrainingJobRepository,
    private readonly records: RawRecordRepository,
    private readonly transforms: TransformRepository,
    private readonly registry: ModelRegistry,
    private readonly publisher: EventPublisher,
    @Inject(APP_CONFIG) private readonly config: TrainingConfig,
  ) {}

  /**
   * Runs a job for its `attempt`-th delivery. Resolves when the job is finished either way (the
   * message is acked); throws only to ask for a redelivery, after recording the failure.
   */
  async run(job: TrainingJob, attempt: number): Promise<void> {
    if (job.status === 'succeeded' || job.status === 'failed') return; // a repeated delivery
    if (this.stopping) throw new ShuttingDown(job._id); // left to another instance
    const lease = Date.now() - this.config.jobs.leaseMs;
    if (job.status === 'running' && job.heartbeatAt && job.heartbeatAt.getTime() > lease) return; // held elsewhere
    if (attempt > this.config.jobs.maxAttempts) {
      await this.write(job._id, {
        status: 'failed',
        error: job.error ?? `out of attempts (${this.config.jobs.maxAttempts})`,
        finishedAt: new Date(),
      });
      return;
    }
    const owner = `training/${this.config.nodeId}`;
    await this.write(job._id, {
      status: 'running',
      attempts: attempt,
      owner,
      startedAt: new Date(),
      heartbeatAt: new Date(),
      ...(currentTraceId() ? { traceId: currentTraceId() } : {}),
    });
    const heartbeat = setInterval(
      () => void this.write(job._id, { heartbeatAt: new Date() }).catch(() => undefined),
      Math.max(250, Math.floor(this.config.jobs.leaseMs / 4)),
    );
    try {
      const result = await this.train(job);
      await this.write(job._id, {
        status: 'succeeded',
        result,
        finishedAt: new Date(),
      });
      await this.publisher.publish(TrainingCompleted, {
        jobId: job._id,
        model: job.model,
        version: result.version,
        metrics: result.metrics,
      });
      JOBS.inc({ outcome: 'succeeded' });
    } catch (error) {
      if (this.stopping && !(error instanceof TerminalError)) {
        // Cut short by the shutdown, not failed: queued again for whoever takes the message next,
        // with no failure recorded or announced.
        this.logger.warn(`job ${job._id} attempt ${attempt} given back: the service is stopping`);
        await this.write(job._id, { status: 'queued' }).catch(() => undefined);
        throw new ShuttingDown(job._id);
      }
      const message = (error as Error).message;
      const willRetry = !(error instanceof TerminalError) && attempt < this.config.jobs.maxAttempts;
      this.logger.warn(`job ${job._id} attempt ${attempt} failed: ${message}`);
      await this.write(job._id, {
        status: willRetry ? 'queued' : 'failed',
        error: message,
        ...(willRetry ? {} : { finishedAt: new Date() }),
      });
      await this.publisher.publish(TrainingFailed, {
        jobId: job._id,
        model: job.model,
        error: message.slice(0, 2_000),
        attempt,
        willRetry,
      });
      if (!willRetry) JOBS.inc({ outcome: 'failed' });
      if (willRetry) throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async train(job: TrainingJob) {
    const hyper = resolveHyperparameters(job.algorithm, job.hyperparameters);
    if (!hyper.ok) throw new JobRejected(hyper.error);
    const spec = await this.transforms.latest(job.dataset);
    if (!spec) throw new JobRejected(`dataset ${job.dataset} has no feature rows yet`);
    const window = await withSpan(
      'training read window',
      { 'keelson.dataset': job.dataset, 'keelson.job.id': job._id },
      async (span) => {
        const rows = await this.records.window(job.dataset, { limit: this.config.jobs.maxRows });
        span.setAttribute('keelson.training.rows', rows.length);
        return rows;
      },
    );
    const data = toMatrix(spec, window);
    if (data.rows < 20)
      throw new JobRejected(`dataset ${job.dataset} has only ${data.rows} labelled records`);

    const seed = hyper.value.seed ?? 1;
    const split = stratifiedHoldout(data.y, {
      testFraction: this.config.jobs.holdoutFraction,
      seed,
    });
    const trainX = takeRows(data.x, data.width, split.train);
    const trainY = takeRows(data.y, 1, split.train);
    if (this.stopping) throw new ShuttingDown(job._id); // the shutdown came while reading
    const handle = trainInWorker(
      {
        x: trainX,
        y: trainY,
        rows: split.train.length,
        classes: data.classes,
        hyperparameters: hyper.value,
      },
      (progress) => {
        const data = {
          jobId: job._id,
          model: job.model,
          epoch: progress.epoch,
          epochs: progress.epochs,
          trainLoss: progress.trainLoss,
          ...(progress.validationLoss !== undefined
            ? { validationLoss: progress.validationLoss }
            : {}),
          ...(progress.metrics ? { metrics: finite(progress.metrics) } : {}),
        };
        void this.write(job._id, { progress: data, heartbeatAt: new Date() }).catch(
          () => undefined,
        );
        void this.publisher.publish(TrainingProgress, data).catch(() => undefined);
      },
    );
    this.running.add(handle);
    const trained = await handle.result.finally(() => this.running.delete(handle));

    const testX = takeRows(data.x, data.width, split.test);
    const testY = takeRows(data.y, 1, split.test);
    const width = trained.network.layers.at(-1)!.outputs;
    const holdoutOutputs = forward(trained.network, testX, split.test.length);
    const scores = finite(scoreClassifier(testY, holdoutOutputs, width));
    const onnx = exportOnnx(spec, trained.network, { model: job.model, job: job._id });
    const testRecords = Array.from(split.test, (i) => data.records[i]);

    const production = await this.productionScores(job.model, testRecords, testY);
    const version = await this.registry.register(
      {
        model: job.model,
        source: 'training',
        dataset: job.dataset,
        transformVersion: spec.version,
        algorithm: job.algorithm,
        hyperparameters: { ...hyper.value },
        metrics: scores,
        holdout: { rows: split.test.length, seed },
        trainingWindow: {
          from: window[0].receivedAt,
          to: window[window.length - 1].receivedAt,
          records: window.length,
        },
        jobId: job._id,
        ...(currentTraceId() ? { traceId: currentTraceId() } : {}),
        reference: trainingReference(
          spec,
          Array.from(split.train, (i) => data.records[i]),
          holdoutOutputs,
          width,
        ),
      },
      onnx,
    );
    const decision = decidePromotion({
      metric: this.config.promotion.metric,
      margin: this.config.promotion.margin,
      candidate: scores,
      production,
    });
    if (decision.promote)
      await this.registry.promote(job.model, version.version, 'production', decision.reason);
    else this.logger.log(`${job.model}@${version.version} registered only: ${decision.reason}`);
    return { version: version.version, metrics: scores, promoted: decision.promote };
  }

  /** Production's scores on this job's holdout rows, if there is a production it can score. */
  private async productionScores(model: string, records: TrainingRecords, labels: Int32Array) {
    const production = await this.registry.production(model);
    if (!production) return undefined;
    let spec: TransformSpec | null = null;
    if (production.dataset && production.transformVersion)
      spec = await this.transforms.get(production.dataset, production.transformVersion);
    if (!spec) return { version: production.version }; // uploaded: not comparable automatically
    const { bytes } = await this.registry.artifact(model, production.version);
    return {
      version: production.version,
      scores: finite(await scoreArtifact(bytes, spec, records, labels)),
    };
  }

  /**
   * Updates a job's document, one write at a time per job: FerretDB applies an update as read,
   * modify, write, so a progress update racing the final status would bring back "running"
   * (seen in CI). Heartbeat and progress writes queue behind each other and before the verdict.
   */
  private write(id: string, changes: Partial<TrainingJob>): Promise<void> {
    const next = (this.writes.get(id) ?? Promise.resolve()).then(() =>
      this.jobs.update(id, changes),
    );
    const settled = next.catch(() => undefined);
    this.writes.set(id, settled);
    void settled.then(() => {
      if (this.writes.get(id) === settled) this.writes.delete(id);
    });
    return next;
  }

  /**
   * Before the consumers are closed (which waits for their handlers): a job can run for many
   * minutes, so instead of holding the shutdown for it the worker is stopped, the job marked
   * queued and its message nak'ed, and another instance (or this one restarted) runs it again.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.running].map((h) => h.cancel()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.running].map((h) => h.cancel()));
  }
}

type TrainingRecords = Parameters<typeof scoreArtifact>[2];

/** Metrics as stored and published: finite numbers only (AUC is undefined for one class). */
function finite(
  scores: ClassifierScores | Record<string, number | undefined>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(scores))
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  return out;
}
