import { Schema, type Connection } from 'mongoose';
import { Repository } from './repository';

export type AlertStateName = 'firing' | 'resolved';

/** One alert episode: from firing to resolved under one id (what `/v1/alerts/{id}` returns). */
export interface AlertRecord {
  /** The alert id. */
  _id: string;
  /** `<kind>:<target>`: at most one firing alert per key. */
  key: string;
  kind: string;
  target: string;
  state: AlertStateName;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  reasons: string[];
  evidence: Record<string, unknown>;
  startsAt: Date;
  endsAt?: Date;
  /** Last change of state, severity or evidence. */
  updatedAt: Date;
}

export interface AlertFilter {
  state?: AlertStateName;
  kind?: string;
  target?: string;
}

const schema = new Schema<AlertRecord>(
  {
    _id: String,
    key: String,
    kind: String,
    target: String,
    state: String,
    severity: String,
    message: String,
    reasons: [String],
    evidence: Schema.Types.Mixed,
    startsAt: Date,
    endsAt: Date,
    updatedAt: Date,
  },
  { collection: 'alerts', versionKey: false, minimize: false },
);
// Serves the start-up reload (every firing alert) and the API's filters, newest first.
schema.index({ state: 1, startsAt: -1 });
schema.index({ kind: 1, startsAt: -1 });
schema.index({ target: 1, startsAt: -1 });

/**
 * Alert history. Monitoring is the one writer (one active instance): each episode is written
 * whole on every change, so a restart reloads exactly the alerts that were firing.
 */
export class AlertRepository extends Repository<AlertRecord> {
  constructor(connection: Connection) {
    super(connection, 'Alert', schema);
  }

  async save(alert: AlertRecord): Promise<void> {
    await this.model.replaceOne({ _id: alert._id }, alert, { upsert: true });
  }

  get(id: string): Promise<AlertRecord | null> {
    return this.model.findById(id).lean<AlertRecord>().exec();
  }

  firing(): Promise<AlertRecord[]> {
    return this.model.find({ state: 'firing' }).lean<AlertRecord[]>().exec();
  }

  list(filter: AlertFilter, limit: number): Promise<AlertRecord[]> {
    const query: Record<string, string> = {};
    if (filter.state) query.state = filter.state;
    if (filter.kind) query.kind = filter.kind;
    if (filter.target) query.target = filter.target;
    return this.model.find(query).sort({ startsAt: -1 }).limit(limit).lean<AlertRecord[]>().exec();
  }
}
