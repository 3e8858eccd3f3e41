import { rawRecordId, type RawRecordDoc } from '@keelson/persistence';
import type { CompiledDataset } from '../datasets/dataset-catalog.service';
import type { IngestGroup, RecordResult } from './ingest.types';

export interface ValidatedGroups {
  /** The documents to store: one per distinct valid record across all groups. */
  docs: RawRecordDoc[];
  /** Where each stored record's verdict lives, so a database duplicate can be marked as one. */
  resultOf: Map<string, RecordResult>;
  /** Every record's verdict, per group and in the group's order. */
  groupResults: RecordResult[][];
}

/**
 * Validates every record of every group against the dataset's schema and turns each valid record
 * seen for the first time into the document to store; a record repeated anywhere in the groups is
 * a duplicate of its first appearance.
 */
export function validateGroups(
  datasetName: string,
  { definition, validate }: CompiledDataset,
  groups: IngestGroup[],
  traceId: string | undefined,
): ValidatedGroups {
  const docs: RawRecordDoc[] = [];
  const resultOf = new Map<string, RecordResult>();
  const groupResults = groups.map(({ records: batch, arrival }) => {
    const results: RecordResult[] = new Array(batch.length);
    const receivedAt = new Date(arrival.receivedAtMs);
    batch.forEach((record, index) => {
      const verdict = validate(record);
      if (!verdict.ok) {
        results[index] = {
          index,
          status: 'rejected',
          ...(verdict.recordId ? { id: verdict.recordId } : {}),
          reasons: verdict.reasons,
        };
        return;
      }
      if (resultOf.has(verdict.recordId)) {
        results[index] = { index, status: 'duplicate', id: verdict.recordId }; // repeated in the batch
        return;
      }
      results[index] = { index, status: 'accepted', id: verdict.recordId };
      resultOf.set(verdict.recordId, results[index]);
      docs.push({
        _id: rawRecordId(datasetName, verdict.recordId),
        dataset: datasetName,
        recordId: verdict.recordId,
        schemaVersion: definition.version,
        values: verdict.values,
        receivedAt,
        via: arrival.via,
        origin: arrival.origin,
        ...(traceId ? { traceId } : {}),
      });
    });
    return results;
  });
  return { docs, resultOf, groupResults };
}
