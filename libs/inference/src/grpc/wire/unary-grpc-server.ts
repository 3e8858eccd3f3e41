/**
 * A gRPC server for unary methods on Keelson's own HTTP/2 connection (h2/). Every RPC of the
 * Open Inference Protocol's service is unary, and grpc-js's server spends a third of a node's busy
 * time in its interceptor chain and call objects, Node's `http2` a Duplex stream and two writes an
 * answer (docs/benchmarks.md); this one does per call what the protocol requires and no more:
 * check the content type, find the method, read one length-prefixed message (decompressing gzip
 * or deflate), honour `grpc-timeout`, check the credential, answer with headers, one message and
 * the status trailers, or trailers only on a failure.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
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
import { endCallSpan, inCallSpan } from './call-span';
import {
  DEFAULT_SERVER_LIMITS,
  H2ServerConnection,
  type H2ServerLimits,
  type H2ServerStream,
} from './h2/h2-server-connection';
import { encodeHeaderBlock, type HeaderPair } from './h2/hpack';

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
  /** What one connection may ask of the server (h2-server-connection.ts has the defaults). */
  limits?: Partial<H2ServerLimits>;
}

export interface RunningUnaryGrpcServer {
  port: number;
  /** Stops taking connections, lets the calls running finish, then resolves. */
  shutdown(): Promise<void>;
}

const RESPONSE_HEADERS: HeaderPair[] = [
  [':status', '200'],
  ['content-type', 'application/grpc+proto'],
  ['grpc-accept-encoding', 'identity,deflate,gzip'],
  ['grpc-encoding', 'identity'],
];
/** The blocks every answer sends, encoded once (they leave the peer's HPACK table alone). */
const RESPONSE_BLOCK = encodeHeaderBlock(RESPONSE_HEADERS);
const OK_TRAILERS_BLOCK = encodeHeaderBlock([
  ['grpc-status', String(status.OK)],
  ['grpc-message', 'OK'],
]);
/** A status message's characters sent at most: a header list over the peer's limit fails the call. */
const MAX_STATUS_MESSAGE = 4096;
const UNSUPPORTED_MEDIA_BLOCK = encodeHeaderBlock([[':status', '415']]);
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

/**
 * One call on one stream, from its headers to its status. The stream is released (its place
 * under the connection's stream limit) when the method's work is over, not when the client
 * resets it: a client cannot start more work than the limit by cancelling what it started.
 */
class UnaryExchange {
  private done = false;
  private working = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly stream: H2ServerStream,
    private readonly toStatus: ToGrpcStatus,
  ) {
    stream.onClose = () => {
      this.finish();
      if (!this.working) stream.release();
    };
  }

  /** Runs the method's work; the stream is released once it has settled. */
  run(work: () => Promise<void>): void {
    this.working = true;
    void work().finally(() => this.stream.release());
  }

  /** True once the call has an answer, a failure, or a cancelled stream. */
  get ended(): boolean {
    return this.done || this.stream.closed;
  }

  /** Ends the call with a failure unless it has ended already (trailers only: nothing sent yet). */
  fail(code: status, message: string): void {
    if (this.finish()) return;
    this.stream.respond(
      encodeHeaderBlock([
        ...RESPONSE_HEADERS,
        ['grpc-status', String(code)],
        ['grpc-message', encodeGrpcMessage(message.slice(0, MAX_STATUS_MESSAGE))],
      ]),
    );
  }

  /** Fails the call with the status `error` maps to, and returns it. */
  failWith(error: unknown): { code: status; message: string } {
    const failure =
      error instanceof GrpcStatusError
        ? { code: error.code, message: error.message }
        : this.toStatus(error);
    this.fail(failure.code, failure.message);
    return failure;
  }

  answer(payload: Uint8Array, maxBytes: number): void {
    if (payload.length > maxBytes) {
      return this.fail(
        status.RESOURCE_EXHAUSTED,
        `Sent message larger than max (${payload.length} vs. ${maxBytes})`,
      );
    }
    if (this.finish()) return;
    this.stream.respond(RESPONSE_BLOCK, frameMessage(payload), OK_TRAILERS_BLOCK);
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
  stream: H2ServerStream,
): void {
  const headers = stream.headers;
  const contentType = headers['content-type'];
  if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
    stream.respond(UNSUPPORTED_MEDIA_BLOCK);
    return stream.release();
  }
  const exchange = new UnaryExchange(stream, options.toStatus);
  const path = String(headers[':path'] ?? '');
  const method = methods.get(path);
  if (!method || headers[':method'] !== 'POST') {
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
    exchange.failWith(error);
    return;
  }
  const reader = new MessageReader(options.maxMessageBytes);
  stream.onData = (chunk) => {
    if (exchange.ended) return;
    try {
      reader.push(chunk);
    } catch (error) {
      exchange.failWith(error);
    }
  };
  stream.onEnd = () => {
    if (exchange.ended) return;
    exchange.run(() => {
      const { span, result } = inCallSpan(path, headers, () =>
        respond(method, options, headers, reader, deadlineMs),
      );
      return result.then(
        (payload) => {
          exchange.answer(payload, options.maxMessageBytes);
          endCallSpan(span, status.OK);
        },
        (error: unknown) => {
          const { code, message } = exchange.failWith(error);
          endCallSpan(span, code, message);
        },
      );
    });
  };
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
  const connections = new Set<H2ServerConnection>();
  const limits = { ...DEFAULT_SERVER_LIMITS, ...options.limits };
  const serve = (socket: Socket) => {
    const connection = new H2ServerConnection(
      socket,
      (stream) => handleStream(methods, options, stream),
      limits,
    );
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key, ALPNProtocols: ['h2'] })
    : createServer();
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    // Over TLS, HTTP/2 is what ALPN agreed on; a client that offered only HTTP/1.1 is dropped.
    if (options.tls && (socket as TLSSocket).alpnProtocol !== 'h2') return socket.destroy();
    serve(socket);
  });
  server.on('tlsClientError', (_error, socket: Socket) => socket.destroy());
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
        for (const connection of connections) connection.close();
      }),
  };
}
