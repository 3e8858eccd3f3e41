import { recordPreview } from '@keelson/datasets';
import type { EventPublisher } from '@keelson/messaging';
import { deterministicUuidv7, RecordRejected } from '@keelson/schemas';
import type { DependencyGuard } from './dependency-guard';
import type { Arrival, IngestGroup, RecordResult } from './ingest.types';

/**
 * Publishes `records.rejected`, one event per rejected record with every reason and a preview of
 * the record. Ids come from the arrival and the record's position, so a redelivered message
 * reproduces them and JetStream drops the copy.
 */
export class RecordRejections {
  constructor(
    private readonly publisher: EventPublisher,
    private readonly guard: DependencyGuard,
  ) {}

  /** The rejected records of each group, by their verdicts (`groupResults[g]` for `groups[g]`). */
  async publish(
    datasetName: string,
    groups: IngestGroup[],
    groupResults: RecordResult[][],
  ): Promise<void> {
    await this.guard('publish rejections', () =>
      this.publisher.publishMany(
        RecordRejected,
        groups.flatMap(({ records: batch, arrival }, g) =>
          groupResults[g]
            .filter((r) => r.status === 'rejected')
            .map((r) => ({
              data: {
                dataset: datasetName,
                ...(r.id ? { recordId: r.id.slice(0, 256) } : {}),
                preview: recordPreview(batch[r.index]),
                reasons: r.reasons!,
                receivedAt: new Date(arrival.receivedAtMs).toISOString(),
              },
              options: { subject: datasetName, id: rejectionId(arrival, r.index) },
            })),
        ),
      ),
    );
  }

  /** Every record of a batch for an unregistered dataset. */
  async publishUnknownDataset(
    datasetName: string,
    batch: unknown[],
    arrival: Arrival,
  ): Promise<void> {
    const reasons = [{ field: '(dataset)', reason: `dataset "${datasetName}" is not registered` }];
    await this.guard('publish rejections', () =>
      Promise.all(
        batch.map((record, index) =>
          this.publisher.publish(
            RecordRejected,
            {
              dataset: datasetName,
              preview: recordPreview(record),
              reasons,
              receivedAt: new Date(arrival.receivedAtMs).toISOString(),
            },
            { subject: datasetName, id: rejectionId(arrival, index) },
          ),
        ),
      ),
    );
  }
}

function rejectionId(arrival: Arrival, index: number): string {
  return deterministicUuidv7(arrival.receivedAtMs, `rejected:${arrival.origin}:${index}`);
}
