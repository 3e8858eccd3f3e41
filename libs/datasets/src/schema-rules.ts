import { compileValidator, DatasetSchemaBody, type FieldReason } from '@keelson/schemas';

const validateShape = compileValidator(DatasetSchemaBody);
const FIELD_NAME_RULE =
  'is not a valid field name: a letter or _, then letters, digits or _, at most 64 in all';

/**
 * Checks a dataset schema submitted by an operator: its JSON shape first, then the rules a shape
 * cannot express (the label and key must be fields, ranges must make sense). Returns every problem.
 */
export function checkDatasetSchema(
  body: unknown,
): { ok: true; schema: DatasetSchemaBody } | { ok: false; reasons: FieldReason[] } {
  const shape = validateShape(body);
  if (!shape.ok)
    return {
      ok: false,
      reasons: shape.issues.map((i) => {
        const field = i.path.replace(/^\//, '').replace(/\//g, '.') || '(body)';
        const badName = /^fields\.[^.]+$/.test(field) && i.message === 'Unexpected property';
        return { field, reason: badName ? FIELD_NAME_RULE : i.message };
      }),
    };
  const schema = shape.value;
  const reasons: FieldReason[] = [];
  // Own fields only: a label named `constructor` must not find Object.prototype's.
  const fieldOf = (name: string) =>
    Object.hasOwn(schema.fields, name) ? schema.fields[name] : undefined;
  const label = fieldOf(schema.label);
  if (!label)
    reasons.push({ field: 'label', reason: `names "${schema.label}", which is not a field` });
  else if (label.type === 'timestamp')
    reasons.push({ field: 'label', reason: 'a timestamp cannot be a label' });
  if (schema.key !== undefined) {
    const key = fieldOf(schema.key);
    if (!key) reasons.push({ field: 'key', reason: `names "${schema.key}", which is not a field` });
    else {
      if (key.type !== 'category' && key.type !== 'integer')
        reasons.push({ field: 'key', reason: 'must be a category (string) or integer field' });
      if (key.required === false)
        reasons.push({ field: 'key', reason: 'must be a required field' });
      if (schema.key === schema.label)
        reasons.push({ field: 'key', reason: 'cannot also be the label' });
    }
  }
  for (const [name, field] of Object.entries(schema.fields)) {
    if (name === '__proto__')
      reasons.push({ field: `fields.${name}`, reason: 'is a reserved name' });
    const numeric = field.type === 'number' || field.type === 'integer';
    if (!numeric && (field.min !== undefined || field.max !== undefined))
      reasons.push({
        field: `fields.${name}`,
        reason: 'min and max apply to number and integer fields only',
      });
    if (field.min !== undefined && field.max !== undefined && field.min > field.max)
      reasons.push({
        field: `fields.${name}`,
        reason: `min ${field.min} is greater than max ${field.max}`,
      });
    if (field.values !== undefined && field.type !== 'category')
      reasons.push({ field: `fields.${name}`, reason: 'values apply to category fields only' });
  }
  return reasons.length > 0 ? { ok: false, reasons } : { ok: true, schema };
}
