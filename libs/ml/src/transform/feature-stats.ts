import type { DatasetSchemaBody, FieldType } from '@keelson/schemas';

/**
 * Running statistics of one numeric field (number, integer, boolean as 0/1, timestamp as days).
 * Kept as count/mean/M2 (Welford) rather than sums of squares: timestamps and incomes have large
 * means, where sum-of-squares variance cancels catastrophically. Two summaries merge exactly
 * (Chan et al.), so batches and instances combine in any order.
 */
export interface NumericStats {
  kind: 'numeric';
  count: number;
  missing: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
}

export interface CategoryStats {
  kind: 'category';
  count: number;
  missing: number;
  /** Value -> occurrences, for at most MAX_TRACKED_CATEGORIES values. */
  counts: Record<string, number>;
  /** Occurrences of values seen after the tracked set was full. */
  overflow?: number;
}

export type FieldStats = NumericStats | CategoryStats;

export interface DatasetStats {
  records: number;
  fields: Record<string, FieldStats>;
}

export type RawValue = number | string | boolean | null;

const DAY_MS = 86_400_000;

/** The numeric reading of a value for statistics and features; null when missing. */
export function numericValue(type: FieldType, value: RawValue): number | null {
  if (value === null || value === undefined) return null;
  if (type === 'boolean') return value === true ? 1 : 0;
  if (type === 'timestamp') return Date.parse(String(value)) / DAY_MS;
  return typeof value === 'number' ? value : null;
}

/** Fields that get statistics: all but the record key, an identifier with one value per record. */
function statFields(schema: Pick<DatasetSchemaBody, 'fields' | 'key'>) {
  return Object.entries(schema.fields).filter(([name]) => name !== schema.key);
}

/**
 * Distinct values counted per category field. Past this, new values are only counted as
 * `overflow`: an open vocabulary (free text) must not grow the statistics without bound.
 */
export const MAX_TRACKED_CATEGORIES = 5_000;

export function emptyStats(schema: Pick<DatasetSchemaBody, 'fields' | 'key'>): DatasetStats {
  const fields: Record<string, FieldStats> = {};
  for (const [name, spec] of statFields(schema)) {
    fields[name] =
      spec.type === 'category'
        ? { kind: 'category', count: 0, missing: 0, counts: {} }
        : { kind: 'numeric', count: 0, missing: 0, mean: 0, m2: 0, min: Infinity, max: -Infinity };
  }
  return { records: 0, fields };
}

/** Summarises a batch of validated records. */
export function statsOf(
  schema: Pick<DatasetSchemaBody, 'fields' | 'key'>,
  records: ReadonlyArray<Record<string, RawValue>>,
): DatasetStats {
  const stats = emptyStats(schema);
  stats.records = records.length;
  for (const [name, spec] of statFields(schema)) {
    const field = stats.fields[name];
    for (const record of records) {
      const raw = (Object.hasOwn(record, name) ? record[name] : null) ?? null;
      if (field.kind === 'category') {
        if (raw === null) field.missing++;
        else {
          field.count++;
          countCategory(field, String(raw), 1);
        }
        continue;
      }
      const x = numericValue(spec.type, raw);
      if (x === null) {
        field.missing++;
        continue;
      }
      field.count++;
      const delta = x - field.mean;
      field.mean += delta / field.count;
      field.m2 += delta * (x - field.mean);
      if (x < field.min) field.min = x;
      if (x > field.max) field.max = x;
    }
  }
  return stats;
}

/** Combines two summaries as if their records had been counted together. */
export function mergeStats(a: DatasetStats, b: DatasetStats): DatasetStats {
  const fields: Record<string, FieldStats> = {};
  for (const name of new Set([...Object.keys(a.fields), ...Object.keys(b.fields)])) {
    const x = Object.hasOwn(a.fields, name) ? a.fields[name] : undefined;
    const y = Object.hasOwn(b.fields, name) ? b.fields[name] : undefined;
    if (!x || !y) {
      fields[name] = structuredClone((x ?? y)!);
      continue;
    }
    fields[name] =
      x.kind === 'category' && y.kind === 'category'
        ? mergeCategory(x, y)
        : mergeNumeric(x as NumericStats, y as NumericStats);
  }
  return { records: a.records + b.records, fields };
}

function mergeNumeric(x: NumericStats, y: NumericStats): NumericStats {
  const count = x.count + y.count;
  const missing = x.missing + y.missing;
  // An empty side has no min or max (and stored as JSON they read back as null, not ±Infinity).
  if (y.count === 0) return { ...x, missing };
  if (x.count === 0) return { ...y, missing };
  const delta = y.mean - x.mean;
  return {
    kind: 'numeric',
    count,
    missing,
    mean: x.mean + (delta * y.count) / count,
    m2: x.m2 + y.m2 + (delta * delta * x.count * y.count) / count,
    min: Math.min(x.min, y.min),
    max: Math.max(x.max, y.max),
  };
}

function mergeCategory(x: CategoryStats, y: CategoryStats): CategoryStats {
  const merged: CategoryStats = {
    kind: 'category',
    count: x.count + y.count,
    missing: x.missing + y.missing,
    counts: { ...x.counts },
  };
  const overflow = (x.overflow ?? 0) + (y.overflow ?? 0);
  if (overflow > 0) merged.overflow = overflow;
  for (const [value, n] of Object.entries(y.counts)) countCategory(merged, value, n);
  return merged;
}

function countCategory(stats: CategoryStats, value: string, n: number): void {
  // Producer values are arbitrary text: "constructor" must not read Object.prototype's, and
  // "__proto__" must become a key, not a prototype change.
  const current = Object.hasOwn(stats.counts, value) ? stats.counts[value] : undefined;
  if (current !== undefined) setOwn(stats.counts, value, current + n);
  else if (Object.keys(stats.counts).length < MAX_TRACKED_CATEGORIES)
    setOwn(stats.counts, value, n);
  else stats.overflow = (stats.overflow ?? 0) + n;
}

function setOwn(target: Record<string, number>, key: string, value: number): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Population standard deviation; 0 with fewer than two values. */
export function stdOf(stats: NumericStats): number {
  return stats.count > 1 ? Math.sqrt(stats.m2 / stats.count) : 0;
}

export function missingRate(stats: FieldStats): number {
  const total = stats.count + stats.missing;
  return total === 0 ? 0 : stats.missing / total;
}
