import type { FieldReason } from '@keelson/schemas';

export interface Arrival {
  via: 'http' | 'nats';
  /** Unique per request or per stream message: seeds the ids of the events it produces. */
  origin: string;
  /** Fixed per request or message, so a redelivered message reproduces the same event ids. */
  receivedAtMs: number;
}

/** One request's or stream message's records and how they arrived. */
export interface IngestGroup {
  records: unknown[];
  arrival: Arrival;
}

export interface RecordResult {
  index: number;
  status: 'accepted' | 'duplicate' | 'rejected';
  id?: string;
  reasons?: FieldReason[];
}

export interface IngestReport {
  dataset: string;
  schemaVersion: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  results: RecordResult[];
}
