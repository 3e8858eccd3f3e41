import { createHash } from 'node:crypto';
import type { DatasetDefinition, FieldReason, FieldSpec } from '@keelson/schemas';
import { canonicalJson } from './compatibility';

/** A record's values after validation: every schema field present, null where missing. */
export type RecordValues = Record<string, number | string | boolean | null>;

export type RecordVerdict =
  | { ok: true; recordId: string; values: RecordValues }
  | { ok: false; recordId?: string; reasons: FieldReason[] };

export const MAX_STRING_LENGTH = 256;
const MAX_TIMESTAMP_LENGTH = 64;
const MAX_DATE_MS = 8.64e15;
/** Reasons kept per record: a record with thousands of unknown fields must not make a huge event. */
const MAX_REASONS = 20;
const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

type Check = (value: unknown) => { value: number | string | boolean } | { reason: string };

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'text';
  return `a ${typeof value}`;
}

function numberCheck(spec: FieldSpec, integer: boolean): Check {
  const what = integer ? 'an integer' : 'a number';
  return (value) => {
    if (typeof value !== 'number') return { reason: `must be ${what}, not ${describe(value)}` };
    // JSON cannot carry NaN, but 1e999 parses to Infinity.
    if (!Number.isFinite(value)) return { reason: 'must be a finite number' };
    if (integer && !Number.isInteger(value)) return { reason: 'must be an integer' };
    if (spec.min !== undefined && value < spec.min)
      return { reason: `must be at least ${spec.min}` };
    if (spec.max !== undefined && value > spec.max)
      return { reason: `must be at most ${spec.max}` };
    return { value };
  };
}

function categoryCheck(spec: FieldSpec): Check {
  const allowed = spec.values ? new Set(spec.values) : undefined;
  const shown = spec.values && spec.values.length <= 20 ? spec.values.join(', ') : undefined;
  return (value) => {
    // Integer keys are common (row ids); a category compares as text.
    const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
    if (typeof text !== 'string') return { reason: `must be text, not ${describe(value)}` };
    if (text.length === 0) return { reason: 'must not be empty' };
    if (text.length > MAX_STRING_LENGTH)
      return { reason: `must be at most ${MAX_STRING_LENGTH} characters (got ${text.length})` };
    if (allowed && !allowed.has(text))
      return { reason: shown ? `must be one of: ${shown}` : 'is not one of the allowed values' };
    return { value: text };
  };
}

const booleanCheck: Check = (value) =>
  typeof value === 'boolean'
    ? { value }
    : { reason: `must be true or false, not ${describe(value)}` };

const timestampCheck: Check = (value) => {
  // Date covers ±8.64e15 ms; past it toISOString() throws, which must be a reason, not a crash.
  if (typeof value === 'number')
    return Number.isFinite(value) && Math.abs(value) <= MAX_DATE_MS
      ? { value: new Date(value).toISOString() }
      : { reason: 'must be epoch milliseconds within ±8.64e15' };
  if (typeof value !== 'string')
    return { reason: `must be an ISO 8601 timestamp, not ${describe(value)}` };
  if (
    value.length > MAX_TIMESTAMP_LENGTH ||
    !ISO_TIMESTAMP.test(value) ||
    Number.isNaN(Date.parse(value))
  )
    return { reason: 'must be an ISO 8601 timestamp' };
  return { value: new Date(value).toISOString() };
};

function checkFor(spec: FieldSpec): Check {
  switch (spec.type) {
    case 'number':
      return numberCheck(spec, false);
    case 'integer':
      return numberCheck(spec, true);
    case 'boolean':
      return booleanCheck;
    case 'category':
      return categoryCheck(spec);
    case 'timestamp':
      return timestampCheck;
  }
}

/**
 * Compiles a dataset's schema into a record checker: every reason a record is invalid (unknown
 * fields, missing required ones, wrong types, out-of-range and disallowed values), or its stable id
 * and normalised values. The same checker runs for HTTP and JetStream ingestion.
 */
export function compileRecordValidator(
  dataset: Pick<DatasetDefinition, 'fields' | 'key'>,
): (record: unknown) => RecordVerdict {
  const fields = Object.entries(dataset.fields).map(([name, spec]) => ({
    name,
    required: spec.required !== false,
    check: checkFor(spec),
  }));
  const known = new Set(Object.keys(dataset.fields));
  const key = dataset.key;

  return (record) => {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) {
      return {
        ok: false,
        reasons: [{ field: '(record)', reason: `must be a JSON object, not ${describe(record)}` }],
      };
    }
    const input = record as Record<string, unknown>;
    const reasons: FieldReason[] = [];
    const values: RecordValues = {};
    let unknown = 0;
    for (const name of Object.keys(input)) {
      if (!known.has(name) && unknown++ < MAX_REASONS)
        reasons.push({ field: name.slice(0, 128), reason: 'is not in the dataset schema' });
    }
    if (unknown > MAX_REASONS)
      reasons.push({
        field: '(record)',
        reason: `and ${unknown - MAX_REASONS} more fields not in the dataset schema`,
      });
    for (const field of fields) {
      // Own properties only: a missing field named `constructor` must not read Object's.
      const raw = Object.hasOwn(input, field.name) ? input[field.name] : undefined;
      if (raw === undefined || raw === null) {
        if (field.required) reasons.push({ field: field.name, reason: 'is required' });
        values[field.name] = null;
        continue;
      }
      const result = field.check(raw);
      if ('reason' in result) reasons.push({ field: field.name, reason: result.reason });
      else values[field.name] = result.value;
    }
    const recordId =
      key !== undefined && values[key] !== null && values[key] !== undefined
        ? String(values[key])
        : undefined;
    if (reasons.length > 0)
      return { ok: false, reasons, ...(recordId === undefined ? {} : { recordId }) };
    return { ok: true, recordId: recordId ?? contentId(values), values };
  };
}

/** A record without a producer key is identified by its content: re-sending it is a duplicate. */
export function contentId(values: RecordValues): string {
  return createHash('sha256').update(canonicalJson(values)).digest('hex').slice(0, 32);
}

const PREVIEW_LIMIT = 2048;

/**
 * A short, always-serialisable picture of a rejected record for `records.rejected.*`: top-level
 * scalars as sent, nested values elided (a hostile record may nest deeper than JSON.stringify can
 * recurse), cut to 2 KB.
 */
export function recordPreview(record: unknown): string {
  let text: string;
  if (record !== null && typeof record === 'object' && !Array.isArray(record)) {
    const flat: Record<string, unknown> = {};
    let n = 0;
    for (const key in record as Record<string, unknown>) {
      if (n++ >= 64) break;
      const v = (record as Record<string, unknown>)[key];
      flat[key.slice(0, 128)] =
        v !== null && typeof v === 'object'
          ? Array.isArray(v)
            ? '[list]'
            : '[object]'
          : typeof v === 'string'
            ? v.slice(0, 256)
            : v;
    }
    text = JSON.stringify(flat);
  } else {
    text = Array.isArray(record) ? '[list]' : (JSON.stringify(record) ?? String(record));
  }
  return text.length > PREVIEW_LIMIT ? `${text.slice(0, PREVIEW_LIMIT)}…` : text;
}
