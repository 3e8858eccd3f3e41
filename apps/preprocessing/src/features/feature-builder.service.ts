import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG } from '@keelson/config/nest';
import { EventPublisher, TerminalError } from '@keelson/messaging';
import {
  applyTransform,
  fitTransform,
  mergeStats,
  needsRefit,
  statsOf,
  type RawValue,
  type TransformSpec,
} from '@keelson/ml';
import {
  DatasetRepository,
  FeatureRowRepository,
  FeatureStatsRepository,
  featureRowBatchId,
  TransformRepository,
  type FeatureRowBatchDoc,
} from '@keelson/persistence';
import { deterministicUuidv7, FeatureRowsCreated, type DatasetDefinition } from '@keelson/schemas';
import { counter } from '@keelson/service-kit';
import type { PreprocessingConfig } from '../config';

const ROWS = counter(
  'keelson_feature_rows_total',
  'Feature rows, by dataset and outcome (stored or duplicate)',
  ['dataset', 'outcome'],
);

export interface ValidatedRecord {
  recordId: string;
  values: Record<string, RawValue>;
  receivedAt: string;
}

/** The records of one `records.validated` event; its id and time seed the features event's. */
export interface ValidatedBatch {
  eventId: string;
  eventTime: string;
  records: ValidatedRecord[];
}

/**
 * Turns batches of validated records into stored feature rows:
 *   1. transform with the dataset's current spec (fitting version 1 from the first batch);
 *   2. store each event's rows as one document keyed by the event id (ingestion announces a record
 *      in exactly one event), so a redelivered event is a duplicate, never second rows;
 *   3. merge the new rows' values into the running statistics, and those of rows an earlier
 *      delivery stored but never counted (it died between the two writes): a statistics revision
 *      lists the row documents it counted, so each is counted exactly once;
 *   4. fit a new spec version when the data seen has doubled;
 *   5. publish one `features.<dataset>` event per consumed event with its rows (rows stored by an
 *      earlier delivery again, under the same event id, so JetStream drops a true repeat).
 */
@Injectable()
export class FeatureBuilder {
  private readonly logger = new Logger(FeatureBuilder.name);
  private readonly specs = new Map<string, TransformSpec>();

  constructor(
    private readonly datasets: DatasetRepository,
    private readonly rows: FeatureRowRepository,
    private readonly stats: FeatureStatsRepository,
    private readonly transforms: TransformRepository,
    private readonly publisher: EventPublisher,
    @Inject(APP_CONFIG) private readonly config: PreprocessingConfig,
  ) {}

  async build(dataset: string, batches: ValidatedBatch[]): Promise<void> {
    const definition = await this.datasets.get(dataset);
    // Ingestion only validates records of registered datasets; a missing one was deleted by hand.
    if (!definition) throw new TerminalError(`dataset ${dataset} is not registered`);
    const unique = [
      ...new Map(batches.flatMap((b) => b.records).map((r) => [r.recordId, r])).values(),
    ];

    let spec = this.specs.get(dataset) ?? (await this.transforms.latest(dataset)) ?? undefined;
    if (!spec) {
      const seen = (await this.stats.get(dataset)) ?? statsOf(definition, []);
      spec = await this.saveSpec(
        fitTransform(
          definition,
          mergeStats(
            seen,
            statsOf(
              definition,
              unique.map((r) => r.values),
            ),
          ),
          1,
          this.config.transform,
        ),
      );
    }
    this.specs.set(dataset, spec);

    // One document per validated event, keyed by its id: ingestion announces each record in
    // exactly one event, so a redelivered event is a duplicate document, never second rows.
    const now = new Date();
    const docs = [...new Map(batches.map((b) => [b.eventId, b])).values()].map(
      (batch): FeatureRowBatchDoc => ({
        _id: featureRowBatchId(dataset, batch.eventId),
        dataset,
        eventId: batch.eventId,
        transformVersion: spec!.version,
        rows: batch.records.map((r) => {
          const row = applyTransform(spec!, r.values);
          return { recordId: r.recordId, features: row.features, label: row.label };
        }),
        count: batch.records.length,
        createdAt: now,
      }),
    );
    const { duplicateIds } = await this.rows.insertNew(docs);
    const fresh = docs.filter((d) => !duplicateIds.has(d._id));
    const freshRows = fresh.reduce((n, d) => n + d.count, 0);
    ROWS.inc({ dataset, outcome: 'stored' }, freshRows);
    ROWS.inc({ dataset, outcome: 'duplicate' }, docs.reduce((n, d) => n + d.count, 0) - freshRows);
    // Events stored by an earlier delivery are announced as stored, under the same event ids.
    const stored = duplicateIds.size > 0 ? await this.rows.findByIds([...duplicateIds]) : [];
    await this.count(dataset, definition, spec, batches, fresh, stored);
    const docOf = new Map([...fresh, ...stored].map((doc) => [doc.eventId, doc]));
    await this.publisher.publishMany(
      FeatureRowsCreated,
      [...docOf.values()].map((doc) => ({
        data: {
          dataset,
          rows: doc.rows.map((row) => ({ ...row, transformVersion: doc.transformVersion })),
        },
        options: {
          subject: dataset,
          id: deterministicUuidv7(
            Date.parse(batches.find((b) => b.eventId === doc.eventId)!.eventTime) || 0,
            `features:${doc.eventId}`,
          ),
        },
      })),
    );
  }

  /**
   * Merges into the statistics the fresh row documents and the stored ones no revision counted
   * yet, then refits the transform when the data seen has doubled.
   */
  private async count(
    dataset: string,
    definition: DatasetDefinition,
    spec: TransformSpec,
    batches: ValidatedBatch[],
    fresh: FeatureRowBatchDoc[],
    stored: FeatureRowBatchDoc[],
  ): Promise<void> {
    // Only a redelivery finds stored rows, so only then are the revisions searched (the recent
    // ones by id first: a redelivery comes soon after the delivery it repeats).
    const counted =
      stored.length > 0
        ? await this.stats.counted(
            dataset,
            stored.map((d) => d._id),
          )
        : new Map<string, number>();
    const toCount = new Set([
      ...fresh.map((d) => d.eventId),
      ...stored.filter((d) => !counted.has(d._id)).map((d) => d.eventId),
    ]);
    if (toCount.size === 0) return;
    // Each event once, even if the batch held two copies of it.
    const values = [...new Map(batches.map((b) => [b.eventId, b])).values()]
      .filter((b) => toCount.has(b.eventId))
      .flatMap((b) => b.records.map((r) => r.values));
    const ids = [...toCount].map((eventId) => featureRowBatchId(dataset, eventId));
    const merged = await this.stats.merge(dataset, statsOf(definition, values), ids);
    if (needsRefit(spec, merged.stats.records))
      this.specs.set(
        dataset,
        await this.saveSpec(
          fitTransform(definition, merged.stats, spec.version + 1, this.config.transform),
        ),
      );
  }

  /** Stores a newly fitted spec; when a concurrent batch stored that version first, theirs wins. */
  private async saveSpec(candidate: TransformSpec): Promise<TransformSpec> {
    const saved = await this.transforms.create(candidate);
    if (saved === candidate)
      this.logger.log(
        `fitted transform ${candidate.dataset}@${candidate.version} on ${candidate.fittedOnRecords} records`,
      );
    return saved;
  }

  /** The current spec and statistics of a dataset, for operators and training. */
  async describe(dataset: string) {
    const [spec, stats] = await Promise.all([
      this.transforms.latest(dataset),
      this.stats.get(dataset),
    ]);
    // Every stored row was merged into the statistics exactly once: their count is the rows'.
    return { dataset, transform: spec, stats, featureRows: stats?.records ?? 0 };
  }
}
