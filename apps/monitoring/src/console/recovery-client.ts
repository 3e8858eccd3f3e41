import { ApiError } from '@keelson/service-kit';

/** Recovery's answers the console passes on as they are: the caller's own mistakes and limits. */
const PASSED_ON = new Set([200, 202, 400, 401, 403, 404, 429]);

export interface Forwarded {
  status: number;
  body: unknown;
  retryAfter?: string;
}

/**
 * What the console answers for one of recovery's: its successes and the caller's errors (a bad
 * selection, a key without `dlq:replay`) unchanged; recovery's own 503 (its database) as a 503;
 * anything else it says (a 5xx, a body that is not JSON) as a 502, so the page can tell
 * "recovery is broken" from "recovery is away".
 */
export function passOn(status: number, text: string, retryAfter?: string | null): Forwarded {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (body !== undefined && PASSED_ON.has(status))
    return { status, body, ...(retryAfter && { retryAfter }) };
  if (status === 503)
    return { status: 503, body: { error: 'recovery is unavailable: retry' }, retryAfter: '2' };
  return { status: 502, body: { error: `recovery answered ${status}` } };
}

/**
 * Recovery's HTTP API as the console calls it, with the operator's own key (recovery checks its
 * scopes and audits the key), so monitoring holds no key of its own. Unreachable or slow: 503.
 */
export class RecoveryClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs: number,
  ) {}

  async call(
    method: 'GET' | 'POST',
    path: string,
    authorization: string | undefined,
    body?: unknown,
  ): Promise<Forwarded> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          ...(authorization && { authorization }),
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      throw ApiError.unavailable(`recovery cannot be reached: ${(error as Error).message}`);
    }
    return passOn(response.status, text, response.headers.get('retry-after'));
  }

  /** A read the console needs whole: anything but a 200 ends the request with recovery's answer. */
  async read<T>(path: string, authorization: string | undefined): Promise<T> {
    const answer = await this.call('GET', path, authorization);
    if (answer.status === 200) return answer.body as T;
    const status = answer.status === 404 ? 502 : answer.status;
    const message = (answer.body as { error?: string } | undefined)?.error ?? 'recovery refused';
    throw new ApiError(status, message, undefined, retryAfterSeconds(answer.retryAfter));
  }
}

function retryAfterSeconds(value: string | undefined): number | undefined {
  const n = value === undefined ? NaN : Number(value);
  return Number.isFinite(n) ? n : undefined;
}
