import type { FieldReason } from '@keelson/schemas';
import { ApiError } from '@keelson/service-kit';

const NODE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** An operator's body for eject, admit or drain: a reason (required), and for eject a duration. */
export function parseRoutingRequest(
  nodeId: string,
  body: unknown,
  allowDuration: boolean,
): { reason: string; durationMs?: number } {
  const problems: FieldReason[] = [];
  if (!NODE_ID.test(nodeId))
    problems.push({ field: 'id', reason: 'a node id is letters, digits, _ and -, at most 128' });
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw ApiError.badRequest('the body must be a JSON object with a reason', [
      ...problems,
      { field: '(body)', reason: 'must be a JSON object' },
    ]);
  const { reason, durationMs, ...rest } = body as Record<string, unknown>;
  for (const field of Object.keys(rest)) problems.push({ field, reason: 'unknown field' });
  if (typeof reason !== 'string' || reason.trim().length === 0 || reason.length > 500)
    problems.push({
      field: 'reason',
      reason: 'required: why, in 1 to 500 characters (it is audited)',
    });
  if (durationMs !== undefined) {
    if (!allowDuration)
      problems.push({ field: 'durationMs', reason: 'only an ejection has a duration' });
    else if (
      !Number.isInteger(durationMs) ||
      (durationMs as number) < 1_000 ||
      (durationMs as number) > 7 * 86_400_000
    )
      problems.push({ field: 'durationMs', reason: 'an integer from 1000 to 604800000' });
  }
  if (problems.length > 0) throw ApiError.badRequest('invalid routing request', problems);
  return {
    reason: (reason as string).trim(),
    ...(durationMs !== undefined && { durationMs: durationMs as number }),
  };
}
