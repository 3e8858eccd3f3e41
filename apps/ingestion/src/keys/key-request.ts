import { parseDurationMs } from '@keelson/config';
import { API_SCOPES, type ApiKey, type ApiScope } from '@keelson/persistence';
import type { FieldReason } from '@keelson/schemas';
import { ApiError } from '@keelson/service-kit';

const MAX_RATE = 1_000_000;

/**
 * `POST /v1/keys`: `{ name, scopes, ratePerSecond?, burst?, expiresAt? | expiresIn? }`. Expiry is
 * an ISO time in the future or a duration from now (`90d` is not a duration here: `2160h`).
 */
export function parseKeyRequest(body: unknown, now = Date.now()): Omit<ApiKey, 'id'> {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw ApiError.badRequest('the body must be a JSON object', [
      { field: '(body)', reason: 'must be a JSON object' },
    ]);
  const { name, scopes, ratePerSecond, burst, expiresAt, expiresIn, ...rest } = body as Record<
    string,
    unknown
  >;
  const problems: FieldReason[] = Object.keys(rest).map((field) => ({
    field,
    reason: 'unknown (name, scopes, ratePerSecond, burst, expiresAt, expiresIn)',
  }));
  if (typeof name !== 'string' || name.trim() === '' || name.length > 100)
    problems.push({ field: 'name', reason: 'required: 1 to 100 characters' });
  if (
    !Array.isArray(scopes) ||
    scopes.length === 0 ||
    scopes.some((s) => !(API_SCOPES as readonly unknown[]).includes(s))
  )
    problems.push({ field: 'scopes', reason: `a non-empty list of ${API_SCOPES.join(', ')}` });
  for (const [field, value] of [
    ['ratePerSecond', ratePerSecond],
    ['burst', burst],
  ] as const)
    if (
      value !== undefined &&
      (!Number.isInteger(value) || (value as number) < 1 || (value as number) > MAX_RATE)
    )
      problems.push({ field, reason: `an integer from 1 to ${MAX_RATE}` });
  let expiry: number | undefined;
  if (expiresAt !== undefined && expiresIn !== undefined)
    problems.push({ field: 'expiresIn', reason: 'give expiresAt or expiresIn, not both' });
  else if (expiresAt !== undefined) {
    expiry = typeof expiresAt === 'string' ? Date.parse(expiresAt) : NaN;
    if (Number.isNaN(expiry) || expiry <= now)
      problems.push({ field: 'expiresAt', reason: 'an ISO-8601 time in the future' });
  } else if (expiresIn !== undefined) {
    const ms = typeof expiresIn === 'string' ? parseDurationMs(expiresIn) : undefined;
    if (!ms || ms < 60_000 || ms > 10 * 365 * 86_400_000)
      problems.push({ field: 'expiresIn', reason: 'a duration from 1m to 87600h, such as 720h' });
    else expiry = now + ms;
  }
  if (problems.length > 0) throw ApiError.badRequest('invalid key request', problems);
  return {
    name: (name as string).trim(),
    scopes: [...new Set(scopes as ApiScope[])],
    ratePerSecond: (ratePerSecond as number | undefined) ?? 0,
    burst: (burst as number | undefined) ?? 0,
    ...(expiry !== undefined && { expiresAt: new Date(expiry).toISOString() }),
  };
}
