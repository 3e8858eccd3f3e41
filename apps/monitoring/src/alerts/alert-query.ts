import { ALERT_KINDS, type FieldReason } from '@keelson/schemas';
import type { AlertFilter } from '@keelson/persistence';
import { ApiError } from '@keelson/service-kit';

const KNOWN = ['state', 'kind', 'target', 'limit'];

/**
 * The filters of `GET /v1/alerts`, checked: a misspelt filter or value is a 400 that names it,
 * never a silently unfiltered list.
 */
export function parseAlertQuery(query: Record<string, unknown>): AlertFilter & { limit: number } {
  const problems: FieldReason[] = [];
  for (const key of Object.keys(query))
    if (!KNOWN.includes(key))
      problems.push({ field: key, reason: `unknown filter (${KNOWN.join(', ')})` });
  const one = (key: string): string | undefined => {
    const value = query[key];
    if (value === undefined) return undefined;
    if (typeof value !== 'string') {
      problems.push({ field: key, reason: 'give it once' });
      return undefined;
    }
    return value;
  };
  const state = one('state');
  if (state !== undefined && state !== 'firing' && state !== 'resolved')
    problems.push({ field: 'state', reason: 'must be firing or resolved' });
  const kind = one('kind');
  if (kind !== undefined && !(ALERT_KINDS as readonly string[]).includes(kind))
    problems.push({ field: 'kind', reason: `must be one of ${ALERT_KINDS.join(', ')}` });
  const target = one('target');
  if (target !== undefined && (target.length === 0 || target.length > 256))
    problems.push({ field: 'target', reason: 'must be 1 to 256 characters' });
  const rawLimit = one('limit');
  const limit = rawLimit === undefined ? 100 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000)
    problems.push({ field: 'limit', reason: 'must be an integer from 1 to 1000' });
  if (problems.length > 0) throw ApiError.badRequest('invalid alert filters', problems);
  return {
    ...(state && { state: state as AlertFilter['state'] }),
    ...(kind && { kind }),
    ...(target && { target }),
    limit,
  };
}
