import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../demo/cli-args';

const root = join(__dirname, '../..');

/** A failed API call, printed as the service's own error and its field reasons. */
export class ApiCallError extends Error {
  override name = 'ApiCallError';
}

const DEFAULT_PORTS = { ingestion: 8082, recovery: 8085, training: 8083 } as const;

/**
 * A service's API as the CLI uses it: `<SERVICE>_URL` (default 127.0.0.1 on `<SERVICE>_HTTP_PORT`
 * or the service's port) and a key from KEELSON_API_KEY or the development key `./keelson up`
 * writes.
 */
export function serviceClient(
  service: keyof typeof DEFAULT_PORTS,
  env: NodeJS.ProcessEnv = process.env,
) {
  const prefix = service.toUpperCase();
  const base =
    env[`${prefix}_URL`] ??
    `http://127.0.0.1:${env[`${prefix}_HTTP_PORT`] ?? DEFAULT_PORTS[service]}`;
  const keyFile = join(root, '.keelson/admin-key');
  const key =
    env.KEELSON_API_KEY ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : '');
  return async function call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    // Checked at the first call, so a bad command line is reported before a missing key.
    if (!key) throw new UsageError('no API key: set KEELSON_API_KEY or run ./keelson up first');
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    }).catch((error: Error) => {
      throw new ApiCallError(`${service} is not answering at ${base} (${error.message})`);
    });
    const text = await response.text();
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    if (!response.ok) throw new ApiCallError(describeError(response.status, json));
    return json as T;
  };
}

export function describeError(status: number, body: Record<string, unknown>): string {
  const details = Array.isArray(body.details)
    ? (body.details as Array<{ field: string; reason: string }>)
        .map((d) => `\n  ${d.field}: ${d.reason}`)
        .join('')
    : '';
  return `${status}: ${String(body.error ?? body.message ?? 'request failed')}${details}`;
}
