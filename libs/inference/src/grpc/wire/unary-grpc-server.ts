/**
 * A gRPC server for unary methods on Node's own `http2` module. Every RPC of the Open Inference
 * Protocol's service is unary, and grpc-js's server spends a third of a node's busy time in its
 * interceptor chain and call objects (docs/benchmarks.md); this one does per call what the
 * protocol requires and no more: check the content type, find the method, read one
 * length-prefixed message (decompressing gzip or deflate), honour `grpc-timeout`, check the
 * credential, answer with headers, one message and the status trailers, or trailers only on a
 * failure.
 */
import {
  constants,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type Http2Session,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import { promisify } from 'node:util';
import { gunzip, inflate, type ZlibOptions } from 'node:zlib';
import { status } from '@grpc/grpc-js';
import {
  encodeGrpcMessage,
  frameMessage,
  GrpcStatusError,
  MessageReader,
  parseGrpcTimeout,
  type WireMessage,
} from './grpc-wire';

/** What a method sees of its call: the request headers (gRPC metadata) and the deadline. */
export interface UnaryCall {
  metadata: IncomingHttpHeaders;
  /** The client's deadline in `Date.now()` milliseconds, when it sent `grpc-timeout`. */
  deadlineMs?: number;
}

export interface UnaryMethod<Req = unknown, Res = unknown> {
  decode(bytes: Buffer): Req;
  encode(response: Res): Uint8Array;
  run(request: Req, call: UnaryCall): Promise<Res>;
  /** Served without a credential check (health calls, which probes make without one). */
  open?: boolean;
}

/** Turns what a method threw into the status the client gets. */
export type ToGrpcStatus = (error: unknown) => { code: status; message: string };

export interface UnaryGrpcServerOptions {
  /** Largest request and response, in bytes. */
  maxMessageBytes: number;
  /** Runs before every call to a method that is not `open`; what it throws ends the call. */
  authorize?: (metadata: IncomingHttpHeaders) => unknown;
  toStatus: ToGrpcStatus;
  /** TLS with this certificate chain and key (PEM); plain HTTP/2 without. */
  tls?: { cert: Buffer; key: Buffer };
}

export interface RunningUnaryGrpcServer {
  port: number;
  /** Stops taking connections, lets the calls running finish, then resolves. */
  shutdown(): Promise<void>;
}

const RESPONSE_HEADERS: OutgoingHttpHeaders = {
  [constants.HTTP2_HEADER_STATUS]: 200,
  [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc+proto',
  'grpc-accept-encoding': 'identity,deflate,gzip',
  'grpc-encoding': 'identity',
};
const OK_TRAILERS: OutgoingHttpHeaders = { 'grpc-status': status.OK, 'grpc-message': 'OK' };
const decompressors: Record<string, (bytes: Buffer, options: ZlibOptions) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  deflate: promisify(inflate),
};

/** `host:port`, `[v6]:port` or `:port` split for `listen`. */
function splitAddress(address: string): { host: string; port: number } {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  return { host: host || '0.0.0.0', port: Number(address.slice(at + 1)) };
}

/** One call on one stream, from its headers to its status. */
class UnaryExchange {
  private done = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stream: ServerHttp2Stream,
    private readonly toStatus: ToGrpcStatus,
  ) {
    stream.once('close', () => this.finish());
  }

  /** True once the call has an answer, a failure, or a cancelled stream. */
  get ended(): boolean {
    return this.done || this.stream.destroyed || this.stream.closed;
  }

  /** Ends the call with a failure unless it has ended already (trailers only: nothing sent yet). */
  fail(code: status, message: string): void {
    if (this.finish()) return;
    this.send(() => {
      this.stream.respond(
        { ...RESPONSE_HEADERS, 'grpc-status': code, 'grpc-message': encodeGrpcMessage(message) },
        { endStream: true },
      );
      this.stream.resume(); // whatever the client still sends is read and dropped
    });
  }

  failWith(error: unknown): void {
    if (error instanceof GrpcStatusError) return this.fail(error.code, error.message);
    const { code, message } = this.toStatus(error);
    this.fail(code, message);
  }

  answer(payload: Uint8Array, maxBytes: number): void {
    if (payload.length > maxBytes) {
      return this.fail(
        status.RESOURCE_EXHAUSTED,
        `Sent message larger than max (${payload.length} vs. ${maxBytes})`,
      );
    }
    if (this.finish()) return;
    this.send(() => {
      this.stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
      this.stream.once('wantTrailers', () =>
        this.send(() => this.stream.sendTrailers(OK_TRAILERS)),
      );
      this.stream.end(frameMessage(payload));
    });
  }

  /**
   * Writes on the stream. A client can reset it between the check and the write, and Node then
   * throws (ERR_HTTP2_INVALID_STREAM): the call is over for that client, and the server goes on.
   */
  private send(write: () => void): void {
    try {
      write();
    } catch {
      if (!this.stream.destroyed) this.stream.destroy();
    }
  }

  /** The call fails with DEADLINE_EXCEEDED when its answer is not ready in `ms`. */
  expireIn(ms: number): void {
    this.timer = setTimeout(() => this.fail(status.DEADLINE_EXCEEDED, 'Deadline exceeded'), ms);
  }

  /** Marks the call ended; true when it had ended already (answered, failed, or cancelled). */
  private finish(): boolean {
    const wasDone = this.ended;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    return wasDone;
  }
}

async function unpack(message: WireMessage, encoding: string, maxBytes: number): Promise<Buffer> {
  if (!message.compressed) return message.payload;
  const decompress = decompressors[encoding];
  if (!decompress) {
    throw new GrpcStatusError(
      status.UNIMPLEMENTED,
      `Received message compressed with unsupported encoding "${encoding}"`,
    );
  }
  // Inflated no further than the limit: a small message must not expand into gigabytes first.
  return decompress(message.payload, { maxOutputLength: maxBytes }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new GrpcStatusError(
        status.RESOURCE_EXHAUSTED,
        `Received message that decompresses to a size larger than ${maxBytes}`,
      );
    }
    throw new GrpcStatusError(status.INTERNAL, 'Failed to decompress message');
  });
}

function handleStream(
  methods: ReadonlyMap<string, UnaryMethod>,
  options: UnaryGrpcServerOptions,
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
): void {
  stream.on('error', () => undefined); // a reset stream ends in 'close'; nothing to answer
  const contentType = headers[constants.HTTP2_HEADER_CONTENT_TYPE];
  if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
    stream.respond({ [constants.HTTP2_HEADER_STATUS]: 415 }, { endStream: true });
    return;
  }
  const exchange = new UnaryExchange(stream, options.toStatus);
  const path = String(headers[constants.HTTP2_HEADER_PATH] ?? '');
  const method = methods.get(path);
  if (!method || headers[constants.HTTP2_HEADER_METHOD] !== 'POST') {
    return exchange.fail(status.UNIMPLEMENTED, `The server does not implement the method ${path}`);
  }
  let deadlineMs: number | undefined;
  try {
    const timeoutMs = parseGrpcTimeout(headers['grpc-timeout']);
    if (timeoutMs !== undefined) {
      deadlineMs = Date.now() + timeoutMs;
      exchange.expireIn(timeoutMs);
    }
  } catch (error) {
    return exchange.failWith(error);
  }
  const reader = new MessageReader(options.maxMessageBytes);
  stream.on('data', (chunk: Buffer) => {
    if (exchange.ended) return;
    try {
      reader.push(chunk);
    } catch (error) {
      exchange.failWith(error);
    }
  });
  stream.once('end', () => {
    if (exchange.ended) return;
    void respond(method, options, headers, reader, deadlineMs).then(
      (payload) => exchange.answer(payload, options.maxMessageBytes),
      (error: unknown) => exchange.failWith(error),
    );
  });
}

async function respond(
  method: UnaryMethod,
  options: UnaryGrpcServerOptions,
  headers: IncomingHttpHeaders,
  reader: MessageReader,
  deadlineMs: number | undefined,
): Promise<Uint8Array> {
  const messages = reader.finish();
  if (messages.length !== 1) {
    throw new GrpcStatusError(
      status.UNIMPLEMENTED,
      `Received ${messages.length ? 'a second' : 'no'} request message for a unary method`,
    );
  }
  const encoding = String(headers['grpc-encoding'] ?? 'identity');
  const bytes = await unpack(messages[0], encoding, options.maxMessageBytes);
  if (!method.open && options.authorize) await options.authorize(headers);
  let request: unknown;
  try {
    request = method.decode(bytes);
  } catch {
    throw new GrpcStatusError(status.INTERNAL, 'Error deserializing request');
  }
  const response = await method.run(request, { metadata: headers, deadlineMs });
  return method.encode(response);
}

/** Binds a server for `methods` (keyed by path, `/package.Service/Method`) to `address`. */
export async function startUnaryGrpcServer(
  methods: ReadonlyMap<string, UnaryMethod>,
  address: string,
  options: UnaryGrpcServerOptions,
): Promise<RunningUnaryGrpcServer> {
  // grpc-js's server lifts Node's 10 MB cap on a session's buffered bytes too: messages run to
  // 64 MB, and Node answers a session over the cap by closing it.
  const settings = { maxSessionMemory: Number.MAX_SAFE_INTEGER };
  const server: Http2Server | Http2SecureServer = options.tls
    ? createSecureServer({ ...settings, cert: options.tls.cert, key: options.tls.key })
    : createServer(settings);
  const sessions = new Set<Http2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.on('error', () => undefined); // a broken connection ends its streams with 'close'
    session.once('close', () => sessions.delete(session));
  });
  server.on('stream', (stream, headers) => {
    try {
      handleStream(methods, options, stream, headers);
    } catch {
      stream.destroy(); // a stream the client reset before its first answer: nothing to tell it
    }
  });
  const { host, port } = splitAddress(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  return {
    port: typeof bound === 'object' && bound ? bound.port : port,
    shutdown: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // GOAWAY: the client opens no new stream here; the ones running finish, then it closes.
        for (const session of sessions) session.close();
      }),
  };
}
