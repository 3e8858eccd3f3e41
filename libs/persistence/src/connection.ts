import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '@keelson/tracing';

/**
 * Bounds on every database call, so a database that stops answering (a hung process, a network
 * partition that drops packets) makes calls fail instead of waiting forever.
 */
export interface MongoTimeouts {
  /**
   * A reply that has not come this long after a request fails the call and closes its connection.
   * Long enough for the slowest legitimate round trip: an index build at start-up, the first batch
   * of a training window sorted by FerretDB.
   */
  socketMs: number;
  /**
   * Opening a connection, and the driver's heartbeat to the server: a server that does not answer
   * its heartbeat within this is marked down and the calls waiting on it are interrupted.
   */
  connectMs: number;
  /** Waiting for a pooled connection while all are busy (on a hung server they all are). */
  waitQueueMs: number;
}

export const DEFAULT_MONGO_TIMEOUTS: MongoTimeouts = {
  socketMs: 60_000,
  connectMs: 10_000,
  waitQueueMs: 10_000,
};

export interface MongoOptions {
  url: string;
  /** Build declared indexes automatically; on in development only (index builds lock collections). */
  autoIndex?: boolean;
  /** Give up connecting after this long (default 60 s); the process then exits and is restarted. */
  connectDeadlineMs?: number;
  timeouts?: Partial<MongoTimeouts>;
  logger?: Logger;
}

/**
 * Opens a mongoose connection, retrying with growing waits until the database answers or the
 * deadline passes, so services can start before the database is up (a compose or k8s boot).
 */
export async function connectMongo(options: MongoOptions): Promise<Connection> {
  const deadline = Date.now() + (options.connectDeadlineMs ?? 60_000);
  const timeouts = { ...DEFAULT_MONGO_TIMEOUTS, ...options.timeouts };
  let wait = 250;
  for (let attempt = 1; ; attempt++) {
    const connection = mongoose.createConnection(options.url, {
      autoIndex: options.autoIndex ?? false,
      serverSelectionTimeoutMS: Math.max(500, Math.min(5_000, deadline - Date.now())),
      // Fail fast while the database is down instead of queueing writes in memory (and then
      // acknowledging a message whose effect never happened).
      bufferCommands: false,
      maxPoolSize: 20,
      // Notice a restarted database within seconds, not the driver's default 10 s.
      heartbeatFrequencyMS: 2_000,
      socketTimeoutMS: timeouts.socketMs,
      connectTimeoutMS: timeouts.connectMs,
      waitQueueTimeoutMS: timeouts.waitQueueMs,
      // No client-side operation timeout (the driver's `timeoutMS`): it is experimental in driver
      // 6, and it bounds a cursor's whole lifetime, which would cut a long training read short.
      // mongoose's maxTimeMS is enforced by the server, so it cannot help against a hung one.
    });
    try {
      await connection.asPromise();
      await ping(connection);
      options.logger?.info({ attempt }, 'database connected');
      return connection;
    } catch (error) {
      await connection.close().catch(() => undefined);
      if (Date.now() + wait > deadline) {
        throw new Error(
          `database at ${redact(options.url)} not reachable after ${attempt} attempts: ${(error as Error).message}`,
        );
      }
      options.logger?.warn(
        { attempt, retryInMs: wait, err: (error as Error).message },
        'database not reachable yet',
      );
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 5_000);
    }
  }
}

/** Readiness: true only if the database answers a ping right now. */
export async function isDatabaseReady(connection: Connection, timeoutMs = 1_000): Promise<boolean> {
  if (connection.readyState !== 1) return false;
  try {
    await Promise.race([
      ping(connection),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('ping timeout')), timeoutMs).unref(),
      ),
    ]);
    return true;
  } catch {
    return false;
  }
}

async function ping(connection: Connection): Promise<void> {
  const db = connection.db;
  if (!db) throw new Error('no database selected');
  await db.admin().command({ ping: 1 });
}

/** Hides credentials in URLs that end up in logs and errors. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]+)@/, '//***@');
}
