import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { CsvRecordReader, type Cell } from './csv';

export type InputFormat = 'csv' | 'ndjson';
export type ProducerRecord = Record<string, Cell>;

export interface Batch {
  index: number;
  records: ProducerRecord[];
  /** Input bytes the batch came from: progress is measured in bytes because counting rows first would read the file twice. */
  bytes: number;
}

export function formatFromPath(path: string): InputFormat {
  if (/\.csv$/i.test(path)) return 'csv';
  if (/\.(ndjson|jsonl)$/i.test(path)) return 'ndjson';
  throw new Error(`cannot tell the format of ${path} from its name; use .csv, .ndjson or .jsonl`);
}

export function fileStream(path: string): Readable {
  return createReadStream(path);
}

function parseNdjsonLine(line: string, lineNumber: number): ProducerRecord | null {
  if (line.trim() === '') return null;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new Error(`line ${lineNumber}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`line ${lineNumber}: expected a JSON object, one record per line`);
  }
  return value as ProducerRecord;
}

/** Reads line by line and groups records into batches; only one batch is held at a time. */
export async function* readBatches(
  input: Readable,
  format: InputFormat,
  batchSize: number,
): AsyncGenerator<Batch> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  const csv = format === 'csv' ? new CsvRecordReader() : null;
  let records: ProducerRecord[] = [];
  let bytes = 0;
  let index = 0;
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber++;
    bytes += Buffer.byteLength(line) + 1;
    const record = csv ? csv.push(line, lineNumber) : parseNdjsonLine(line, lineNumber);
    if (record === null) continue;
    records.push(record);
    if (records.length >= batchSize) {
      yield { index: index++, records, bytes };
      records = [];
      bytes = 0;
    }
  }
  csv?.finish();
  if (records.length > 0) yield { index: index++, records, bytes };
}
