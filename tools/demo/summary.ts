/** One record's verdict from `POST /v1/datasets/{dataset}/records`. */
export interface RecordResult {
  index: number;
  status: 'accepted' | 'duplicate' | 'rejected';
  id?: string;
  reasons?: { field: string; reason: string }[];
}

export interface IngestResponse {
  dataset: string;
  schemaVersion: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  results: RecordResult[];
}

export interface SummaryJson {
  via: 'http' | 'nats';
  dataset: string;
  batches: number;
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** `field: reason` -> how many records were refused for it (a record can have several). */
  rejectedByReason: Record<string, number>;
  /** NATS only: batches JetStream had already stored under the same event id. */
  duplicateBatches?: number;
  elapsedSeconds: number;
  recordsPerSecond: number;
}

export class Summary {
  batches = 0;
  sent = 0;
  accepted = 0;
  duplicates = 0;
  rejected = 0;
  duplicateBatches = 0;
  readonly rejectedByReason = new Map<string, number>();

  constructor(
    readonly via: 'http' | 'nats',
    readonly dataset: string,
  ) {}

  /** Counts come from the server's totals; reasons can only come from the per-record results. */
  addResponse(sent: number, response: IngestResponse): void {
    this.batches++;
    this.sent += sent;
    this.accepted += response.accepted;
    this.duplicates += response.duplicates;
    this.rejected += response.rejected;
    for (const result of response.results) {
      if (result.status !== 'rejected') continue;
      const reasons = result.reasons?.length
        ? result.reasons
        : [{ field: '?', reason: 'no reason given' }];
      for (const { field, reason } of reasons) this.countReason(`${field}: ${reason}`);
    }
  }

  /**
   * Over NATS nothing is validated yet: a stored batch counts as accepted by JetStream, and a
   * duplicate means JetStream already had this exact batch (a retried publish), so all its records.
   */
  addPublished(sent: number, duplicate: boolean): void {
    this.batches++;
    this.sent += sent;
    if (duplicate) {
      this.duplicateBatches++;
      this.duplicates += sent;
    } else {
      this.accepted += sent;
    }
  }

  private countReason(key: string): void {
    this.rejectedByReason.set(key, (this.rejectedByReason.get(key) ?? 0) + 1);
  }

  toJSON(elapsedMs: number): SummaryJson {
    const elapsedSeconds = Math.round(elapsedMs) / 1000;
    const sorted = [...this.rejectedByReason].sort(
      (a, b) => b[1] - a[1] || a[0].localeCompare(b[0]),
    );
    return {
      via: this.via,
      dataset: this.dataset,
      batches: this.batches,
      sent: this.sent,
      accepted: this.accepted,
      duplicates: this.duplicates,
      rejected: this.rejected,
      rejectedByReason: Object.fromEntries(sorted),
      ...(this.via === 'nats' ? { duplicateBatches: this.duplicateBatches } : {}),
      elapsedSeconds,
      recordsPerSecond: elapsedMs > 0 ? Math.round((this.sent * 1000) / elapsedMs) : 0,
    };
  }
}

export function humanSummary(s: SummaryJson): string {
  const verb = s.via === 'nats' ? 'stored by JetStream' : 'accepted';
  let line =
    `${s.sent} records sent to ${s.dataset} via ${s.via} in ${s.batches} batches: ` +
    `${s.accepted} ${verb}, ${s.duplicates} duplicates, ${s.rejected} rejected ` +
    `in ${s.elapsedSeconds.toFixed(1)} s (${s.recordsPerSecond} records/s)`;
  const reasons = Object.entries(s.rejectedByReason);
  if (reasons.length > 0) {
    line += `\nrejected by reason:\n${reasons.map(([r, n]) => `  ${n}\t${r}`).join('\n')}`;
  }
  return line;
}
