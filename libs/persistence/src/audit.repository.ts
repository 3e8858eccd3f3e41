import { Schema, type Connection } from 'mongoose';
import { Repository } from './repository';

/** One operator (or automatic) action: who, when, what, why, and what it changed. */
export interface AuditEntry {
  _id: string;
  at: Date;
  /** An API key id, or `recovery/<instance>` for what recovery did on its own. */
  who: string;
  action: string;
  target: string;
  reason: string;
  details: Record<string, unknown>;
}

const schema = new Schema<AuditEntry>(
  {
    _id: String,
    at: Date,
    who: String,
    action: String,
    target: String,
    reason: String,
    details: Schema.Types.Mixed,
  },
  { collection: 'audit_log', versionKey: false, minimize: false },
);
// Serves the audit listing, newest first, optionally by target.
schema.index({ at: -1 });
schema.index({ target: 1, at: -1 });

/** Insert-only: an audit trail is never rewritten. */
export class AuditRepository extends Repository<AuditEntry> {
  constructor(connection: Connection) {
    super(connection, 'Audit', schema);
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.model.collection.insertOne(entry as never);
  }

  list(filter: { target?: string }, limit: number): Promise<AuditEntry[]> {
    return this.model
      .find(filter.target ? { target: filter.target } : {})
      .sort({ at: -1 })
      .limit(limit)
      .lean<AuditEntry[]>()
      .exec();
  }
}
