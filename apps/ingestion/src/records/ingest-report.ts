import { counter } from '@keelson/service-kit';
import type { Arrival, IngestReport, RecordResult } from './ingest.types';

const RECORDS = counter(
  'keelson_ingested_records_total',
  'Records received, by dataset, path and outcome',
  ['dataset', 'via', 'outcome'],
);

/** One group's answer to its producer, counted in `keelson_ingested_records_total`. */
export function ingestReport(
  dataset: string,
  schemaVersion: number,
  arrival: Arrival,
  results: RecordResult[],
): IngestReport {
  let accepted = 0;
  let duplicates = 0;
  for (const r of results)
    if (r.status === 'accepted') accepted++;
    else if (r.status === 'duplicate') duplicates++;
  const rejected = results.length - accepted - duplicates;
  RECORDS.inc({ dataset, via: arrival.via, outcome: 'accepted' }, accepted);
  RECORDS.inc({ dataset, via: arrival.via, outcome: 'duplicate' }, duplicates);
  RECORDS.inc({ dataset, via: arrival.via, outcome: 'rejected' }, rejected);
  return { dataset, schemaVersion, accepted, duplicates, rejected, results };
}
