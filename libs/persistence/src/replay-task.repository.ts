import { Schema, type Connection } from 'mongoose';
import type { DeadLetterFilter } from './dead-letter.repository';
import { Repository } from './repository';

export type ReplayTaskState = 'running' | 'completed' | 'cancelled' | 'failed';

/**
 * A replay: the entries a selection picked, sent back to their subjects in id order at a rate.
 * `cursor` is the last entry id whose replay is known published (checkpointed as it goes), so a
 * recovery that dies mid-replay resumes after it: an entry is replayed once or is still pending.
 */
export interface ReplayTask {
  _id: string;
  selection: Omit<DeadLetterFilter, 'after' | 'upTo'>;
  /** Messages per second; 0: as fast as JetStream acknowledges. */
  rate: number;
  /** Started by recovery on its own (after a probe replay succeeded) or by an operator's key. */
  auto: boolean;
  by: string;
  reason: string;
  state: ReplayTaskState;
  total: number;
  replayed: number;
  cursor?: string;
  /**
   * Stretches of replayed entries whose outcome is not known yet: resolved once each consumer's
   * acknowledgement floor has passed the highest stream sequence the replays got there.
   */
  awaiting: Array<{ after?: string; upTo: string; at: Date; seqs: Record<string, number> }>;
  error?: string;
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
  updatedAt: Date;
}

const schema = new Schema<ReplayTask>(
  {
    _id: String,
    selection: Schema.Types.Mixed,
    rate: Number,
    auto: Boolean,
    by: String,
    reason: String,
    state: String,
    total: Number,
    replayed: Number,
    cursor: String,
    awaiting: Schema.Types.Mixed,
    error: String,
    createdAt: Date,
    startedAt: Date,
    finishedAt: Date,
    updatedAt: Date,
  },
  { collection: 'replay_tasks', versionKey: false, minimize: false },
);
// Serves the API's listing (newest first) and resuming running tasks after a restart.
schema.index({ state: 1, createdAt: -1 });

export class ReplayTaskRepository extends Repository<ReplayTask> {
  constructor(connection: Connection) {
    super(connection, 'ReplayTask', schema);
  }

  async save(task: ReplayTask): Promise<void> {
    await this.model.replaceOne({ _id: task._id }, task, { upsert: true });
  }

  get(id: string): Promise<ReplayTask | null> {
    return this.model.findById(id).lean<ReplayTask>().exec();
  }

  list(limit: number): Promise<ReplayTask[]> {
    return this.model.find({}).sort({ createdAt: -1 }).limit(limit).lean<ReplayTask[]>().exec();
  }

  running(): Promise<ReplayTask[]> {
    return this.model.find({ state: 'running' }).lean<ReplayTask[]>().exec();
  }

  /** Recent tasks with replays whose outcome is not known yet (filtered here: portable). */
  async awaiting(): Promise<ReplayTask[]> {
    const recent = await this.list(500);
    return recent.filter((t) => (t.awaiting ?? []).length > 0);
  }
}
