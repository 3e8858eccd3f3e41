import { createAnomalyDetector, RollingZScore, type AnomalyDetector } from '@keelson/detection';
import { splitCsvLine } from '../demo/csv';

export const DETECTORS = ['keelson', 'zscore'] as const;
export type DetectorChoice = (typeof DETECTORS)[number];

export function createDetector(choice: DetectorChoice): AnomalyDetector {
  return choice === 'keelson' ? createAnomalyDetector() : new RollingZScore();
}

/** A row the command cannot score: reported with its line number, exit code 2. */
export class MalformedRowError extends Error {
  override name = 'MalformedRowError';
  constructor(
    readonly lineNumber: number,
    reason: string,
  ) {
    super(`line ${lineNumber}: ${reason}`);
  }
}

const NAB_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)$/;
const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const EPOCH = /^[+-]?\d+(?:\.\d+)?$/;
/** Epoch numbers below this are seconds (it is the year 5138 in seconds, 1973 in milliseconds). */
const SECONDS_BELOW = 1e11;

/**
 * Milliseconds since the epoch, or null when the text is none of the accepted forms: ISO-8601
 * (`2014-04-01T00:00:00Z`, with an offset, or without one, read as UTC like NAB's files),
 * NAB's `YYYY-MM-DD HH:MM:SS` (UTC), or epoch seconds or milliseconds.
 */
export function parseTimestamp(text: string): number | null {
  const t = text.trim();
  if (EPOCH.test(t)) {
    const n = Number(t);
    return Number.isFinite(n) ? (Math.abs(n) < SECONDS_BELOW ? n * 1000 : n) : null;
  }
  const nab = NAB_TIMESTAMP.exec(t);
  const iso = nab ? `${nab[1]}-${nab[2]}-${nab[3]}T${nab[4]}:${nab[5]}:${nab[6]}Z` : t;
  if (!nab && !ISO_TIMESTAMP.test(t)) return null;
  // Without an offset, Date.parse would read a date-time as local time: the files mean UTC.
  const withZone = /T.*(?:Z|[+-]\d{2}:?\d{2})$/.test(iso) || !iso.includes('T') ? iso : `${iso}Z`;
  const ms = Date.parse(withZone);
  return Number.isNaN(ms) ? null : ms;
}

/** Empty, NaN and null values are missing: the detector skips them and they score 0. */
const MISSING = new Set(['', 'nan', 'null', 'na']);

export function parseValue(text: string): number | null {
  const t = text.trim();
  if (MISSING.has(t.toLowerCase())) return NaN;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export const OUTPUT_HEADER = 'timestamp,value,anomaly_score';

/** A score as the benchmarks' files write it: up to six decimals, no trailing zeros. */
export function formatScore(score: number): string {
  return String(Number(score.toFixed(6)));
}

/** Re-quotes a cell the way it was quoted, so the timestamp and value go back exactly as read. */
function raw(cell: { text: string; quoted: boolean }): string {
  return cell.quoted ? `"${cell.text.replace(/"/g, '""')}"` : cell.text;
}

/**
 * Turns input lines of `timestamp,value` into output lines of `timestamp,value,anomaly_score`,
 * one at a time, so the command streams and each row's score comes from earlier rows only. A
 * first line that is not a data row is taken for the header (`timestamp,value` or any other two
 * names); blank lines are skipped.
 */
export class CsvScorer {
  private headerSeen = false;
  private rows = 0;

  constructor(private readonly detector: AnomalyDetector) {}

  /** The output header, to write before any row. */
  get header(): string {
    return OUTPUT_HEADER;
  }

  get rowCount(): number {
    return this.rows;
  }

  /** The output line for this input line, or null (header, blank line); throws on a bad row. */
  push(line: string, lineNumber: number): string | null {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.trim() === '') return null;
    const cells = splitCsvLine(text);
    if (cells === null) throw new MalformedRowError(lineNumber, 'a quoted cell is never closed');
    if (cells.length !== 2) {
      throw new MalformedRowError(
        lineNumber,
        `expected 2 cells (timestamp,value), found ${cells.length}`,
      );
    }
    const [timestampCell, valueCell] = cells;
    const timestamp = parseTimestamp(timestampCell.text);
    const value = parseValue(valueCell.text);
    const first = !this.headerSeen && this.rows === 0;
    this.headerSeen = true;
    if (first && timestamp === null && value === null) return null;
    if (timestamp === null) {
      throw new MalformedRowError(
        lineNumber,
        `"${timestampCell.text}" is not a timestamp (ISO-8601, YYYY-MM-DD HH:MM:SS or epoch)`,
      );
    }
    if (value === null)
      throw new MalformedRowError(lineNumber, `"${valueCell.text}" is not a number`);
    this.rows++;
    const score = this.detector.update(timestamp, value);
    return `${raw(timestampCell)},${raw(valueCell)},${formatScore(score)}`;
  }
}
