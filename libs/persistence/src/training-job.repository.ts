import { Schema, type Connection } from 'mongoose';
import { isDuplicateKeyError, Repository } from './repository';

export type TrainingJobStatus = 'queued' | 'running' | 'succeeded' | 'failed';

export interface TrainingJob {
  /** The id of the `training.requested` event that asked for it. */
  _id: string;
  model: string;
  dataset: string;
  algorithm: 'logistic' | 'mlp';
  hyperparameters: Record<string, unknown>;
  /** Who asked: `api`, `event` or `policy:<rows>`. */
  trigger: string;
  reason?: string;
  status: TrainingJobStatus;
  attempts: number;
  /** Set while running; a job whose heartbeat is older than its lease lost its worker. */
  heartbeatAt?: Date;
  owner?: string;
  progress?: { epoch: number; epochs: number; trainLoss: number; validationLoss?: number };
  result?: { version: number; metrics: Record<string, number>; promoted: boolean };
  error?: string;
  traceId?: string;
  requestedAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

const schema = new Schema<TrainingJob>(
  {
    _id: String,
    model: String,
    dataset: String,
    algorithm: String,
    hyperparameters: Schema.Types.Mixed,
    trigger: String,
    reason: String,
    status: String,
    attempts: Number,
    heartbeatAt: Date,
    owner: String,
    progress: Schema.Types.Mixed,
    result: Schema.Types.Mixed,
    error: String,
    traceId: String,
    requestedAt: Date,
    startedAt: Date,
    finishedAt: Date,
  },
  { collection: 'training_jobs', versionKey: false },
);
// Serves list() (a model's jobs, newest first) and the stale-job sweep (running jobs).
schema.index({ model: 1, requestedAt: -1 });
schema.index({ status: 1, heartbeatAt: 1 });

/**
 * Training jobs and their status. A job is worked on only by the holder of its JetStream message
 * (the consumer's ack wait is the lease), so its updates never race another worker; the sweep that
 * rescues jobs whose worker died only touches jobs whose heartbeat stopped.
 */
export class TrainingJobRepository extends Repository<TrainingJob> {
  constructor(connection: Connection) {
    super(connection, 'TrainingJob', schema);
  }

  /** Records a new job; returns false if a job with this id exists (a repeated request). */
  async create(job: TrainingJob): Promise<boolean> {
    try {
      await this.model.create(job);
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  get(id: string): Promise<TrainingJob | null> {
    return this.model.findById(id).lean<TrainingJob>().exec();
  }

  list(filter: { model?: string; status?: TrainingJobStatus }, limit = 50): Promise<TrainingJob[]> {
    return this.model
      .find(filter)
      .sort({ requestedAt: -1 })
      .limit(limit)
      .lean<TrainingJob[]>()
      .exec();
  }

  async update(id: string, changes: Partial<TrainingJob>): Promise<void> {
    await this.model.updateOne({ _id: id }, { $set: changes });
  }

  /** Running jobs whose worker has not heartbeated since `before`. */
  stale(before: Date): Promise<TrainingJob[]> {
    return this.model
      .find({ status: 'running', heartbeatAt: { $lt: before } })
      .lean<TrainingJob[]>()
      .exec();
  }
}
