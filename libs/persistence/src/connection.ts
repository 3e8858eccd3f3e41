import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '@keelson/tracing';

export interface MongoOptions {
  url: string;
  /** Build declared indexes automatically; on in development only (index builds lock collections). */
  autoIndex?: boolean;
  /** Give up connecting after this long (default 60 s); the process then exits and is restarted. */
  connectDeadlineMs?: number;
  logger?: Logger;
}

/**
 * Opens a mongoose connection, retrying with growing waits until the database answers or the
 * deadline passes, so services can start before the database is up (a compose or k8s boot).
 */
export async function connectMongo(options: MongoOptions): Promise<Connection> {
  const deadline = Date.now() + (options.connectDeadlineMs ?? 60_000);
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
