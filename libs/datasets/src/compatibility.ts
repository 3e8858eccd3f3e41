import type { DatasetSchemaBody, FieldSpec } from '@keelson/schemas';

const required = (f: FieldSpec) => f.required !== false;
/** A schema's own field (a field named `constructor` must not find Object.prototype's). */
const fieldOf = (schema: DatasetSchemaBody, name: string): FieldSpec | undefined =>
  Object.hasOwn(schema.fields, name) ? schema.fields[name] : undefined;

/**
 * Why a new version of a dataset schema would break the records already stored under the old one
 * (empty: the change is safe). Safe changes: new optional fields, wider ranges, more category
 * values, a required field made optional, integer widened to number, new descriptions.
 */
export function breakingChanges(previous: DatasetSchemaBody, next: DatasetSchemaBody): string[] {
  const reasons: string[] = [];
  if (previous.label !== next.label)
    reasons.push(
      `the label changes from "${previous.label}" to "${next.label}"; models and stored rows are built on the old one`,
    );
  if (previous.key !== next.key)
    reasons.push(
      `the record key changes from ${previous.key ?? 'none'} to ${next.key ?? 'none'}; stored record ids would no longer match re-sent records`,
    );

  for (const [name, before] of Object.entries(previous.fields)) {
    const after = fieldOf(next, name);
    if (!after) {
      reasons.push(`field "${name}" is removed; stored records have it`);
      continue;
    }
    if (before.type !== after.type && !(before.type === 'integer' && after.type === 'number')) {
      reasons.push(`field "${name}" changes type from ${before.type} to ${after.type}`);
    }
    if (!required(before) && required(after))
      reasons.push(`field "${name}" becomes required; stored records may lack it`);
    if (after.min !== undefined && (before.min === undefined || after.min > before.min))
      reasons.push(`field "${name}" minimum rises to ${after.min}; stored values may be below it`);
    if (after.max !== undefined && (before.max === undefined || after.max < before.max))
      reasons.push(`field "${name}" maximum falls to ${after.max}; stored values may be above it`);
    if (after.values !== undefined) {
      if (before.values === undefined)
        reasons.push(
          `field "${name}" gets a closed list of values; stored records may hold others`,
        );
      else {
        const removed = before.values.filter((v) => !after.values!.includes(v));
        if (removed.length > 0)
          reasons.push(
            `field "${name}" loses allowed values ${removed.map((v) => `"${v}"`).join(', ')}`,
          );
      }
    }
  }
  for (const [name, after] of Object.entries(next.fields)) {
    if (!fieldOf(previous, name) && required(after))
      reasons.push(`new field "${name}" is required; stored records lack it (add it as optional)`);
  }
  return reasons;
}

/** Two schemas that describe the same thing (field order and key order do not matter). */
export function sameSchema(a: DatasetSchemaBody, b: DatasetSchemaBody): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, v]) => v !== undefined,
    );
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
