// Hand-written on purpose, measured against the csv project's libraries (bench/csv.ts,
// docs/benchmarks.md). A quoted cell must stay text ("01234", "true"), and csv-parse tells a cell
// was quoted only to a cast callback, for which it builds a context object per cell: reading the
// producer's credit file that way ran at 0.08x this reader's rows/s (csv-parse without a cast keeps
// pace, but then every cell is a string). csv-stringify wrote generate-credit's file at 0.46-0.50x.
export type Cell = string | number | boolean | null;

/** One CSV cell: `null` is an empty cell; quotes only when the text would otherwise be misread. */
export function formatCsvCell(value: Cell): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatCsvRow(values: readonly Cell[]): string {
  return values.map(formatCsvCell).join(',');
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Turns an unquoted cell into the JSON value a producer most likely meant. A quoted cell stays text
 * as written, which is how a file keeps e.g. a zip code "01234" or the word "true" as a string.
 */
export function convertCell(raw: string, quoted: boolean): Cell {
  if (quoted) return raw;
  const text = raw.trim();
  if (text === '') return null;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (NUMBER.test(text)) {
    const n = Number(text);
    if (Number.isFinite(n)) return n;
  }
  return raw;
}

export interface ParsedCell {
  text: string;
  quoted: boolean;
}

/**
 * Splits CSV text into cells (RFC 4180 quoting). Returns `null` when a quoted cell is still open
 * at the end, so the caller can append the next physical line and try again: a quoted cell may
 * contain a newline.
 */
export function splitCsvLine(line: string): ParsedCell[] | null {
  const cells: ParsedCell[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let text = '';
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) return null;
        text += line.slice(i, close);
        if (line[close + 1] === '"') {
          text += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      // Anything between the closing quote and the comma (normally nothing) is kept, not dropped.
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      cells.push({ text: text + line.slice(i, end), quoted: true });
      if (comma < 0) return cells;
      i = comma + 1;
    } else {
      const comma = line.indexOf(',', i);
      const end = comma < 0 ? line.length : comma;
      cells.push({ text: line.slice(i, end), quoted: false });
      if (comma < 0) return cells;
      i = comma + 1;
    }
  }
}

/**
 * Feeds physical lines, emits records as objects keyed by the header. Stateful only to join the
 * lines of a quoted cell that spans a newline.
 */
export class CsvRecordReader {
  private header: string[] | null = null;
  private pending: string | null = null;
  private pendingStart = 0;

  /** Returns the record the line completes, or `null` (header, blank line, or an open quote). */
  push(line: string, lineNumber: number): Record<string, Cell> | null {
    const text = this.pending === null ? line : `${this.pending}\n${line}`;
    const startLine = this.pending === null ? lineNumber : this.pendingStart;
    const cells = splitCsvLine(text);
    if (cells === null) {
      this.pending = text;
      this.pendingStart = startLine;
      return null;
    }
    this.pending = null;
    if (this.header === null) {
      this.header = cells.map((c) => c.text.trim());
      const seen = new Set<string>();
      for (const name of this.header) {
        if (name === '') throw new Error(`line ${startLine}: the header has an empty column name`);
        if (seen.has(name)) throw new Error(`line ${startLine}: column "${name}" appears twice`);
        seen.add(name);
      }
      return null;
    }
    if (cells.length === 1 && !cells[0].quoted && cells[0].text.trim() === '') return null;
    if (cells.length !== this.header.length) {
      throw new Error(
        `line ${startLine}: ${cells.length} cells, but the header has ${this.header.length}`,
      );
    }
    // No prototype: a column named `__proto__` must be a field, not a prototype swap.
    const record: Record<string, Cell> = Object.create(null);
    this.header.forEach((name, k) => (record[name] = convertCell(cells[k].text, cells[k].quoted)));
    return record;
  }

  /** Call at end of input: a quote still open there is a broken file, not a record. */
  finish(): void {
    if (this.pending !== null) {
      throw new Error(`line ${this.pendingStart}: a quoted cell is never closed`);
    }
  }
}
