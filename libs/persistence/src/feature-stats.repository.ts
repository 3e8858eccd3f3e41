import { Schema, type Connection } from 'mongoose';
import { mergeStats, type DatasetStats } from '@keelson/ml';
import { isDuplicateKeyError, Repository } from './repository';

interface FeatureStatsDoc {
  /** `<dataset>@<rev>`. */
  _id: string;
  dataset: string;
  rev: number;
  /**
   * The statistics as JSON text: category values are arbitrary producer strings and may contain
   * `.` or start with `$`, which MongoDB field names cannot.
   */
  stats: string;
  /**
   * The feature-row documents this revision added. The revision's insert is atomic, so a batch is
   * counted exactly when some revision lists it: a retry after a crash between storing rows and
   * merging them finds out here, and merges them then, once.
   */
  batches: string[];
  updatedAt: Date;
}

const schema = new Schema<FeatureStatsDoc>(
  {
    _id: String,
    dataset: String,
    rev: Number,
    stats: String,
    batches: [String],
    updatedAt: Date,
  },
  { collection: 'feature_stats', versionKey: false },
);
// Serves get() and merge(): the newest revision of one dataset's statistics.
schema.index({ dataset: 1, rev: -1 });

/** Revisions a redelivered batch is first looked for in, by id. */
const RECENT_REVISIONS = 64;

/** Revisions kept whole behind the newest, for inspection; older ones are emptied. */
const KEEP_REVISIONS = 5;

/**
 * Per-dataset running statistics, merged batch by batch, safe with several preprocessing instances.
 *
 * Every merge writes a new revision document. A compare-and-set update (`updateOne({rev})`) would be
 * the usual way, but FerretDB's conditional updates are not atomic under concurrency (measured: lost
 * merges); an insert under a unique `_id` is, on FerretDB and MongoDB alike. Two writers of the same
 * revision: one wins, the other re-reads and merges again.
 */
export class FeatureStatsRepository extends Repository<FeatureStatsDoc> {
  private readonly queues = new Map<string, Promise<unknown>>();
  /** The newest revision this process has seen of each dataset: where the next search starts. */
  private readonly newest = new Map<string, number>();

  constructor(connection: Connection) {
    super(connection, 'FeatureStats', schema);
  }

  async get(dataset: string): Promise<DatasetStats | null> {
    const doc = await this.latest(dataset);
    return doc ? (JSON.parse(doc.stats) as DatasetStats) : null;
  }

  /**
   * Merges the statistics of the feature-row documents `batchIds` into the stored ones, recording
   * the ids in the new revision; returns the result and the revision.
   */
  merge(
    dataset: string,
    batch: DatasetStats,
    batchIds: string[],
  ): Promise<{ stats: DatasetStats; rev: number }> {
    // Merges from this process go one at a time per dataset; contention is left to other instances.
    const previous = this.queues.get(dataset) ?? Promise.resolve();
    const next = previous
      .catch(() => undefined)
      .then(() => this.mergeNow(dataset, batch, batchIds));
    this.queues.set(dataset, next);
    return next;
  }

  /**
   * Which of `batchIds` some revision has counted, and in which revision. The newest revisions
   * are read by id first (a redelivery comes soon after the delivery it repeats); only batches
   * not found there make the dataset's revisions searched (a batch never merged, after a crash).
   */
  async counted(dataset: string, batchIds: string[]): Promise<Map<string, number>> {
    const wanted = new Set(batchIds);
    const found = new Map<string, number>();
    const take = (docs: Array<Pick<FeatureStatsDoc, 'rev' | 'batches'>>) => {
      for (const doc of docs)
        for (const id of doc.batches) if (wanted.has(id)) found.set(id, doc.rev);
    };
    const newest = (await this.latest(dataset))?.rev ?? 0;
    const recent = Array.from({ length: Math.min(RECENT_REVISIONS, newest) }, (_, i) =>
      revisionId(dataset, newest - i),
    );
    if (recent.length > 0)
      take(
        await this.model
          .find({ _id: { $in: recent } }, { rev: 1, batches: 1 })
          .lean<Array<Pick<FeatureStatsDoc, 'rev' | 'batches'>>>(),
      );
    const rest = batchIds.filter((id) => !found.has(id));
    if (rest.length > 0 && newest > RECENT_REVISIONS)
      take(
        await this.model
          .find({ dataset, batches: { $in: rest } }, { rev: 1, batches: 1 })
          .lean<Array<Pick<FeatureStatsDoc, 'rev' | 'batches'>>>(),
      );
    return found;
  }

  private async mergeNow(
    dataset: string,
    batch: DatasetStats,
    batchIds: string[],
  ): Promise<{ stats: DatasetStats; rev: number }> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const doc = await this.latest(dataset);
      const merged = doc ? mergeStats(JSON.parse(doc.stats) as DatasetStats, batch) : batch;
      const rev = (doc?.rev ?? 0) + 1;
      try {
        await this.model.create({
          _id: revisionId(dataset, rev),
          dataset,
          rev,
          stats: JSON.stringify(merged),
          batches: batchIds,
          updatedAt: new Date(),
        });
      } catch (error) {
        if (isDuplicateKeyError(error)) continue;
        throw error;
      }
      this.newest.set(dataset, rev);
      // Old revisions are emptied, never deleted: a deleted _id could be inserted again by a
      // slow writer that read an old revision, and its merge would land behind the newest one.
      // Each merge empties the one revision that just fell out of the kept window, by its id.
      if (rev > KEEP_REVISIONS) {
        void this.model
          .updateOne({ _id: revisionId(dataset, rev - KEEP_REVISIONS) }, { $set: { stats: '' } })
          .catch(() => undefined);
      }
      return { stats: merged, rev };
    }
    throw new Error(
      `feature statistics of ${dataset} are under heavy contention; giving up this batch`,
    );
  }

  /**
   * The newest revision, found by `_id` alone: revisions are numbered 1, 2, 3... without a gap
   * (each is inserted as the one after the newest its writer read, under a unique id, and none is
   * ever deleted), so the newest is the last id that exists. From the newest this process saw, it
   * is usually one look-up; from nothing, a galloping search, O(log revisions). A search by
   * `dataset` sorted by `rev` would read every revision on FerretDB, one more per merge.
   */
  private async latest(dataset: string): Promise<FeatureStatsDoc | null> {
    const remembered = this.newest.get(dataset) ?? 0;
    let known = remembered; // this revision exists (0: none is known to)
    let knownDoc: FeatureStatsDoc | null = null;
    let missing = Infinity; // the lowest revision seen not to exist
    let step = 1;
    while (missing - known > 1) {
      const probe = Number.isFinite(missing) ? Math.floor((known + missing) / 2) : known + step;
      const wanted: number[] = known > 0 && !knownDoc ? [probe, known] : [probe];
      const docs: FeatureStatsDoc[] = await this.model
        .find({ _id: { $in: wanted.map((rev) => revisionId(dataset, rev)) } })
        .lean<FeatureStatsDoc[]>()
        .exec();
      const found = docs.find((d) => d.rev === probe);
      if (known > 0 && !knownDoc) {
        knownDoc = docs.find((d) => d.rev === known) ?? null;
        if (!knownDoc && !found) {
          // The remembered revision is gone (its collection was emptied): search from nothing.
          this.newest.delete(dataset);
          return this.latest(dataset);
        }
      }
      if (found) {
        known = probe;
        knownDoc = found;
        step *= 2;
      } else missing = probe;
    }
    if (known > 0) this.newest.set(dataset, known);
    return knownDoc;
  }
}

const revisionId = (dataset: string, rev: number) => `${dataset}@${rev}`;
