import { connect, createServer, type Socket } from 'node:net';
import { pipeline, Transform } from 'node:stream';
import {
  errorReply,
  MessageFramer,
  OP_COMPRESSED,
  OP_MSG,
  OP_QUERY,
  summarize,
  type CommandError,
  type MessageSummary,
} from './mongo-wire';

/**
 * - `pass`: every byte goes through unchanged.
 * - `fail-writes`: the database answers pings and reads but refuses writes, which is what makes a
 *   message exhaust its retries and be dead-lettered: Keelson consumers pause while a ping fails,
 *   so a stopped database dead-letters nothing.
 * - `blackhole`: a hung database: connections stay open, nothing is forwarded or answered.
 * - `refuse`: a database that went down: open connections are closed, new ones closed on accept.
 *   (Closed, not reset: the driver reports a write that meets a reset as a bare `Error`, while a
 *   closed connection becomes the `MongoNetworkError` a crashed server produces.)
 */
export type MongoFaultMode = 'pass' | 'fail-writes' | 'blackhole' | 'refuse';

export interface MongoFaultProxyOptions {
  /** The real server: a single-host `mongodb://host:port` URL or its parts. */
  target: string | { host: string; port: number };
  /** Default: any free port. */
  listenPort?: number;
  /** Commands to refuse in `fail-writes` mode; default {@link REFUSED_WRITE_COMMANDS}. */
  refusedCommands?: Iterable<string>;
}

/** Message counts by command name (op code name for messages without a readable command). */
export interface MongoFaultProxyStats {
  forwarded: Record<string, number>;
  /** Answered by the proxy with {@link WRITE_REFUSED} in `fail-writes` mode. */
  refused: Record<string, number>;
  /** Swallowed in `blackhole` mode. */
  dropped: Record<string, number>;
}

export interface MongoFaultProxy {
  readonly port: number;
  /** A connection string to `dbName` through the proxy. */
  url(dbName: string): string;
  /** Applies from the next message on every connection, open or new. */
  setMode(mode: MongoFaultMode): void;
  readonly mode: MongoFaultMode;
  /** A snapshot. */
  readonly stats: MongoFaultProxyStats;
  resetStats(): void;
  close(): Promise<void>;
}

/**
 * The data writes Keelson's handlers make (`bulkWrite` is the 8.0 client-level bulk write;
 * `findAndModify` backs findOneAndUpdate/Delete/Replace). DDL such as createIndexes, create and
 * drop is deliberately forwarded: refusing it would stop a service from starting (index sync)
 * and a test from cleaning up, which is not the failure these tests are about.
 */
export const REFUSED_WRITE_COMMANDS: readonly string[] = [
  'insert',
  'update',
  'delete',
  'findAndModify',
  'bulkWrite',
];

/**
 * OperationFailed (96): the driver retries neither reads nor writes on it (it is outside the
 * driver's RETRYABLE_READ/WRITE_ERROR_CODES, and the proxy adds no RetryableWriteError label),
 * it is not one of the not-primary/recovering codes that make the driver mark the server unknown
 * and clear its pool, and it is not DuplicateKey (11000), which Keelson treats as "already done".
 * So the application gets a plain MongoServerError at once, as from a server that said no.
 */
export const WRITE_REFUSED = { code: 96, codeName: 'OperationFailed' } as const;

/** Starts a fault-injecting proxy in front of a MongoDB-wire server, in `pass` mode. */
export async function startMongoFaultProxy(
  options: MongoFaultProxyOptions,
): Promise<MongoFaultProxy> {
  const target = parseTarget(options.target);
  const refusedCommands = new Set(options.refusedCommands ?? REFUSED_WRITE_COMMANDS);
  const sockets = new Set<Socket>();
  let mode: MongoFaultMode = 'pass';
  let stats = emptyStats();
  // Replies the proxy writes need request ids of their own; the driver matches on responseTo only.
  let nextReplyId = 0x40000000;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Failures end the connection through the pipelines below; a socket reset before it joined
    // one (or after) must not crash the test process with an unhandled 'error'.
    socket.on('error', () => undefined);
  };

  function decide(message: Buffer, client: Socket): Buffer | undefined {
    const summary = summarize(message);
    const key = statsKey(summary);
    if (mode === 'blackhole') {
      count(stats.dropped, key);
      return undefined;
    }
    if (mode === 'fail-writes' && isRefused(summary, refusedCommands)) {
      count(stats.refused, key);
      if (summary.expectsReply) {
        const reply = errorReply(summary.header.requestId, nextReplyId++, refusal(summary));
        // Safe to interleave: the reply stream below writes whole server messages only.
        client.write(reply);
      }
      return undefined;
    }
    count(stats.forwarded, key);
    return message;
  }

  function relay(client: Socket): void {
    track(client);
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = connect(target);
    track(upstream);
    const hangUp = (error?: Error | null) => {
      if (!error) return;
      client.destroy();
      upstream.destroy();
    };
    // A client gone means the conversation is over; the server's end, by contrast, reaches the
    // client through the reply pipeline, after the replies already on their way.
    client.once('close', () => upstream.destroy());
    const requests = gate((message) => decide(message, client));
    const replies = gate((message) => (mode === 'blackhole' ? undefined : message));
    // Both directions are framed so a proxy-made reply never lands inside a server reply.
    pipeline(client, new MessageFramer(), requests, upstream, hangUp);
    pipeline(upstream, new MessageFramer(), replies, client, hangUp);
  }

  const server = createServer(relay);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listenPort ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as { port: number };

  return {
    port,
    // directConnection: should the server ever announce replica-set hosts, the driver must not
    // follow them around the proxy.
    url: (dbName) => `mongodb://127.0.0.1:${port}/${dbName}?directConnection=true`,
    setMode(next) {
      mode = next;
      if (next === 'refuse') for (const socket of sockets) socket.destroy();
    },
    get mode() {
      return mode;
    },
    get stats() {
      return {
        forwarded: { ...stats.forwarded },
        refused: { ...stats.refused },
        dropped: { ...stats.dropped },
      };
    },
    resetStats() {
      stats = emptyStats();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * Refuses OP_MSG commands only. OP_QUERY carries only the first handshake for current drivers;
 * OP_COMPRESSED hides its command, so it is forwarded: tests must not enable compression.
 */
function isRefused(summary: MessageSummary, refusedCommands: Set<string>): boolean {
  return (
    summary.header.opCode === OP_MSG &&
    summary.command !== undefined &&
    refusedCommands.has(summary.command)
  );
}

function refusal(summary: MessageSummary): CommandError {
  return {
    ...WRITE_REFUSED,
    errmsg: `mongo-fault-proxy: ${summary.command} refused (fail-writes mode)`,
  };
}

/** A message-by-message filter: `decide` returns the message to pass on, or undefined to hold it back. */
function gate(decide: (message: Buffer) => Buffer | undefined): Transform {
  return new Transform({
    transform(message: Buffer, _encoding, done) {
      done(null, decide(message));
    },
  });
}

function statsKey(summary: MessageSummary): string {
  if (summary.command !== undefined) return summary.command;
  const names: Record<number, string> = {
    [OP_MSG]: 'OP_MSG',
    [OP_QUERY]: 'OP_QUERY',
    [OP_COMPRESSED]: 'OP_COMPRESSED',
  };
  return names[summary.header.opCode] ?? `opCode ${summary.header.opCode}`;
}

function count(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function emptyStats(): MongoFaultProxyStats {
  return { forwarded: {}, refused: {}, dropped: {} };
}

function parseTarget(target: MongoFaultProxyOptions['target']): { host: string; port: number } {
  if (typeof target !== 'string') return target;
  const url = new URL(target);
  if (url.protocol !== 'mongodb:' || url.host.includes(',')) {
    throw new Error(`mongo-fault-proxy needs a single-host mongodb:// target, not ${target}`);
  }
  return { host: url.hostname, port: Number(url.port || 27017) };
}
