import { createHash } from 'node:crypto';

// The parts of an error message that differ between occurrences of the same failure: ids, times,
// numbers, addresses, quoted values. Order matters: the specific shapes go before the general.
const VARIABLE_PARTS: Array<[RegExp, string]> = [
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<uuid>'],
  [/\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?/g, '<time>'],
  [/\b(\d{1,3}\.){3}\d{1,3}(:\d+)?\b/g, '<address>'],
  [/\b[0-9a-f]{12,}\b/gi, '<hex>'],
  [/"[^"]*"|'[^']*'|`[^`]*`/g, '<value>'],
  [/\b\d+(\.\d+)?\b/g, '<n>'],
];

/**
 * What makes two dead letters the same failure: their error with its variable parts replaced
 * (ids, times, numbers, addresses, quoted values) and whitespace folded, and a short hash of that
 * as the group key. `insert failed: E11000 duplicate key "r-17"` and `... "r-91"` group together;
 * a different error does not. (ServicePulse groups failed messages by exception type and stack the
 * same way.)
 */
export function errorFingerprint(error: string): { fingerprint: string; pattern: string } {
  let pattern = error.slice(0, 2_000);
  for (const [shape, placeholder] of VARIABLE_PARTS) pattern = pattern.replace(shape, placeholder);
  pattern = pattern.replace(/\s+/g, ' ').trim().slice(0, 300);
  const fingerprint = createHash('sha256').update(pattern).digest('hex').slice(0, 16);
  return { fingerprint, pattern };
}

/** A group is the failures of one consumer with one fingerprint. */
export const dlqGroupId = (stream: string, consumer: string, fingerprint: string) =>
  `${stream}.${consumer}.${fingerprint}`;
