/**
 * Errors that mean "a dependency is unreachable right now" (retry later), as opposed to bugs.
 * mongoose with bufferCommands off fails fast with these while the database is down; nats.js
 * reports timeouts and a closed or reconnecting connection.
 */
export function isConnectionError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string };
  if (/^Mongo(Network|ServerSelection|NotConnected|Topology|PoolCleared)/.test(e?.name ?? ''))
    return true;
  if (
    [
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'TIMEOUT',
      '503',
      'CONNECTION_CLOSED',
      'CONNECTION_DRAINING',
    ].includes(String(e?.code))
  )
    return true;
  return /not connected|connection (closed|refused|draining)|timeout|no responders|client must be connected/i.test(
    e?.message ?? '',
  );
}
