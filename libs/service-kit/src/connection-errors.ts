const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'TIMEOUT',
  '503',
  'CONNECTION_CLOSED',
  'CONNECTION_DRAINING',
]);

// The driver reports a dropped socket during a bulk insert as a MongoBulkWriteError whose message
// is the network error; nats.js reports timeouts, no responders and a closed connection.
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|socket|network|not connected|connection (closed|refused|draining)|timeout|timed out|no responders|client must be connected/i;

/**
 * Errors that mean "a dependency is unreachable right now" (retry later), as opposed to bugs
 * (answered 500 and logged). mongoose runs with bufferCommands off, so these arrive fast while
 * the database is down instead of requests piling up in memory.
 */
export function isConnectionError(error: unknown): boolean {
  const e = error as { name?: string; code?: string; message?: string; cause?: unknown };
  if (/^Mongo(Network|ServerSelection|NotConnected|Topology|PoolCleared)/.test(e?.name ?? ''))
    return true;
  if (UNAVAILABLE_CODES.has(String(e?.code))) return true;
  if (UNAVAILABLE_MESSAGE.test(e?.message ?? '')) return true;
  return e?.cause !== undefined && e.cause !== error && isConnectionError(e.cause);
}
