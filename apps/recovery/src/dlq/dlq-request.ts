import {
  DEAD_LETTER_STATES,
  type DeadLetterFilter,
  type DeadLetterState,
} from '@keelson/persistence';
import type { FieldReason } from '@keelson/schemas';
import { ApiError } from '@keelson/service-kit';

const TOKEN = /^[A-Za-z0-9_$.-]{1,256}$/;

function time(value: unknown, field: string, problems: FieldReason[]): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = typeof value === 'string' ? new Date(value) : new Date(NaN);
  if (Number.isNaN(parsed.getTime())) problems.push({ field, reason: 'an ISO-8601 time' });
  return parsed;
}

function states(
  value: unknown,
  problems: FieldReason[],
  field = 'states',
): DeadLetterState[] | undefined {
  if (value === undefined) return undefined;
  const list = typeof value === 'string' ? value.split(',') : value;
  if (
    !Array.isArray(list) ||
    list.some((s) => !(DEAD_LETTER_STATES as readonly unknown[]).includes(s))
  ) {
    problems.push({ field, reason: `a list of ${DEAD_LETTER_STATES.join(', ')}` });
    return undefined;
  }
  return list as DeadLetterState[];
}

/** The selection part shared by listing and replaying: every field optional, all checked. */
function selection(input: Record<string, unknown>, problems: FieldReason[]): DeadLetterFilter {
  const filter: DeadLetterFilter = {};
  for (const field of ['group', 'stream', 'consumer'] as const) {
    const v = input[field];
    if (v === undefined) continue;
    if (typeof v !== 'string' || !TOKEN.test(v))
      problems.push({ field, reason: 'letters, digits, _ . $ and -' });
    else if (field === 'group') filter.groupId = v;
    else filter[field] = v;
  }
  const from = time(input.from, 'from', problems);
  const to = time(input.to, 'to', problems);
  if (from) filter.from = from;
  if (to) filter.to = to;
  if (from && to && from > to) problems.push({ field: 'from', reason: 'after to' });
  if (input.failure !== undefined) {
    if (input.failure !== 'terminal' && input.failure !== 'exhausted')
      problems.push({ field: 'failure', reason: 'terminal or exhausted' });
    else filter.failure = input.failure;
  }
  if (input.ids !== undefined) {
    const ids = input.ids;
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.length > 10_000 ||
      ids.some((id) => typeof id !== 'string' || !TOKEN.test(id))
    )
      problems.push({ field: 'ids', reason: '1 to 10,000 entry ids' });
    else filter.ids = ids as string[];
  }
  return filter;
}

function refuseUnknown(input: Record<string, unknown>, known: string[], problems: FieldReason[]) {
  for (const key of Object.keys(input))
    if (!known.includes(key))
      problems.push({ field: key, reason: `unknown (${known.join(', ')})` });
}

/** `GET /v1/dlq/entries` query. */
export function parseEntryQuery(query: Record<string, unknown>): {
  filter: DeadLetterFilter;
  limit: number;
} {
  const problems: FieldReason[] = [];
  refuseUnknown(
    query,
    ['group', 'stream', 'consumer', 'from', 'to', 'failure', 'state', 'limit'],
    problems,
  );
  const filter = selection(query, problems);
  const state = states(query.state, problems, 'state');
  if (state) filter.state = state;
  const limit = query.limit === undefined ? 100 : Number(query.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000)
    problems.push({ field: 'limit', reason: 'an integer from 1 to 1000' });
  if (problems.length > 0) throw ApiError.badRequest('invalid dead-letter filters', problems);
  return { filter, limit };
}

/** `POST /v1/dlq/replays` body: what to replay, how fast, why, or only how many (a dry run). */
export function parseReplayRequest(
  body: unknown,
  defaultRate: number,
): { selection: DeadLetterFilter; rate: number; reason: string; dryRun: boolean } {
  const problems: FieldReason[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw ApiError.badRequest('the body must be a JSON object', [
      { field: '(body)', reason: 'must be a JSON object' },
    ]);
  const input = body as Record<string, unknown>;
  refuseUnknown(
    input,
    [
      'group',
      'stream',
      'consumer',
      'from',
      'to',
      'failure',
      'ids',
      'states',
      'rate',
      'dryRun',
      'reason',
    ],
    problems,
  );
  const filter = selection(input, problems);
  if (!filter.groupId && !filter.stream && !filter.ids && !filter.from)
    problems.push({
      field: '(body)',
      reason: 'select something: group, stream (and consumer), a time range or ids',
    });
  if (filter.consumer && !filter.stream)
    problems.push({ field: 'consumer', reason: 'give its stream too' });
  // An operator may replay parked entries too; resolved and archived ones only when named.
  filter.state = states(input.states, problems) ?? ['pending', 'parked'];
  const rate = input.rate === undefined ? defaultRate : input.rate;
  if (!Number.isInteger(rate) || (rate as number) < 0 || (rate as number) > 100_000)
    problems.push({
      field: 'rate',
      reason: 'messages per second, 0 (as fast as possible) to 100000',
    });
  if (input.dryRun !== undefined && typeof input.dryRun !== 'boolean')
    problems.push({ field: 'dryRun', reason: 'true or false' });
  const reason = input.reason;
  const dryRun = input.dryRun === true;
  if (!dryRun && (typeof reason !== 'string' || reason.trim() === '' || reason.length > 500))
    problems.push({
      field: 'reason',
      reason: 'required: why, in 1 to 500 characters (it is audited)',
    });
  if (problems.length > 0) throw ApiError.badRequest('invalid replay request', problems);
  return {
    selection: filter,
    rate: rate as number,
    reason: typeof reason === 'string' ? reason.trim() : '',
    dryRun,
  };
}

/** `POST /v1/dlq/archive` body. */
export function parseArchiveRequest(body: unknown): {
  selection: DeadLetterFilter;
  reason: string;
} {
  const problems: FieldReason[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw ApiError.badRequest('the body must be a JSON object', [
      { field: '(body)', reason: 'must be a JSON object' },
    ]);
  const input = body as Record<string, unknown>;
  refuseUnknown(input, ['group', 'ids', 'reason'], problems);
  const filter = selection(input, problems);
  if (!filter.groupId && !filter.ids)
    problems.push({ field: '(body)', reason: 'give a group or ids' });
  if (typeof input.reason !== 'string' || input.reason.trim() === '' || input.reason.length > 500)
    problems.push({
      field: 'reason',
      reason: 'required: why, in 1 to 500 characters (it is audited)',
    });
  if (problems.length > 0) throw ApiError.badRequest('invalid archive request', problems);
  filter.state = ['pending', 'parked'];
  return { selection: filter, reason: (input.reason as string).trim() };
}
