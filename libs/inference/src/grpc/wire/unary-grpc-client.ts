/**
 * A gRPC client for unary calls on Keelson's own HTTP/2 connection (h2/): one connection to one
 * server, every call multiplexed on it, reconnected on the next call after the server closes it.
 * It is the gateway's transport to its nodes, where grpc-js's client cost about 190 µs of CPU a
 * call and Node's `http2` a Duplex stream per call (docs/benchmarks.md); this one sends the same
 * frames, every call of an event-loop turn in one write.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http2';
import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type TLSSocket } from 'node:tls';
import { status } from '@grpc/grpc-js';
import { frameMessage, GrpcStatusError, MessageReader } from './grpc-wire';
import { H2ClientConnection } from './h2/h2-client-connection';
import { H2Error } from './h2/h2-frames';
import { encodeHeaderBlock, encodeHeaderFields, type HeaderPair } from './h2/hpack';

/** Paths whose fixed headers are kept encoded; past that many, they are encoded on each call. */
const MAX_FIXED_BLOCKS = 64;

/**
 * What a call reads of an AbortSignal: whether it is aborted, and its 'abort' event. An
 * AbortSignal is one; so is the gateway's lighter `Cancellation`, which spares each attempt the
 * EventTarget and the DOMException an AbortController costs.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface UnaryCallOptions {
  /** Further request headers: the call's metadata. */
  headers?: OutgoingHttpHeaders;
  /** `Date.now()` milliseconds: sent as `grpc-timeout`, and the call fails DEADLINE_EXCEEDED then. */
  deadlineMs: number;
  /** Abandons the call (RST_STREAM CANCEL); it then fails with `status.CANCELLED`. */
  signal?: CancelSignal;
}

/** gRPC's mapping of an HTTP status that came without a gRPC status (a proxy's, say). */
function statusOfHttp(httpStatus: number): status {
  if (httpStatus === 400) return status.INTERNAL;
  if (httpStatus === 401) return status.UNAUTHENTICATED;
  if (httpStatus === 403) return status.PERMISSION_DENIED;
  if (httpStatus === 404) return status.UNIMPLEMENTED;
  if ([429, 502, 503, 504].includes(httpStatus)) return status.UNAVAILABLE;
  return status.UNKNOWN;
}

function decodeMessage(value: unknown): string {
  const text = Array.isArray(value) ? String(value[0]) : String(value ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** gRPC's mapping of the code a stream was reset with (PROTOCOL-HTTP2.md, "Errors"). */
function statusOfReset(code: number | undefined): status {
  if (code === undefined || code === H2Error.REFUSED_STREAM) return status.UNAVAILABLE;
  if (code === H2Error.CANCEL) return status.CANCELLED;
  if (code === H2Error.ENHANCE_YOUR_CALM) return status.RESOURCE_EXHAUSTED;
  return status.INTERNAL;
}

/** Metadata as header pairs: lower-case names, a list's values one pair each. */
function metadataPairs(headers: OutgoingHttpHeaders | undefined): HeaderPair[] {
  const pairs: HeaderPair[] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      pairs.push([name.toLowerCase(), String(one)]);
    }
  }
  return pairs;
}

export class UnaryGrpcClient {
  private connection?: H2ClientConnection;
  /** Whether the last connection attempt failed (and none has succeeded since). */
  private refused = false;
  /** Why the last connection failed, for the calls it took with it. */
  private lastError = 'the connection closed';
  private readonly url: URL;
  private readonly fixedBlocks = new Map<string, Buffer>();

  /** `target`: `http://host:port`, or `https://host:port` for TLS (Node's trusted roots). */
  constructor(
    target: string,
    private readonly maxMessageBytes: number,
  ) {
    this.url = new URL(target);
  }

  /** The answer's message bytes, or a GrpcStatusError with the call's status. */
  call(path: string, payload: Uint8Array, options: UnaryCallOptions): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const remaining = Math.ceil(options.deadlineMs - Date.now());
      if (options.signal?.aborted) {
        return reject(new GrpcStatusError(status.CANCELLED, 'call cancelled'));
      }
      if (remaining <= 0) {
        return reject(new GrpcStatusError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
      }
      const connection = this.connect();
      const varying = encodeHeaderFields([
        ['grpc-timeout', `${remaining}m`],
        ...metadataPairs(options.headers),
      ]);
      const stream = connection.request(
        Buffer.concat([this.fixedHeaders(path), varying]),
        frameMessage(payload),
      );
      const reader = new MessageReader(this.maxMessageBytes);
      let settled = false;
      let code: status | undefined;
      let details = '';
      const finish = (error?: GrpcStatusError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        // A call settled while its stream still runs (failed, or answered before its request
        // was all sent) resets it, so the stream and its body go.
        if (error ? !stream.closed : stream.writable) connection.reset(stream, H2Error.CANCEL);
        if (error) return reject(error);
        if (code === undefined) {
          return reject(new GrpcStatusError(status.UNKNOWN, 'the answer carried no grpc-status'));
        }
        if (code !== status.OK) return reject(new GrpcStatusError(code, details));
        try {
          const [message, ...rest] = reader.finish();
          if (!message || rest.length || message.compressed) {
            throw new GrpcStatusError(status.INTERNAL, 'the answer was not one plain message');
          }
          resolve(message.payload);
        } catch (failure) {
          reject(failure);
        }
      };
      const readStatus = (headers: IncomingHttpHeaders) => {
        if (headers['grpc-status'] !== undefined) {
          code = Number(headers['grpc-status']) as status;
          details = decodeMessage(headers['grpc-message']);
        }
      };
      stream.onHeaders = (headers) => {
        if (headers[':status'] !== undefined) {
          this.refused = false;
          const httpStatus = Number(headers[':status']);
          if (httpStatus !== 200) {
            return finish(
              new GrpcStatusError(
                statusOfHttp(httpStatus),
                `the server answered HTTP ${httpStatus}`,
              ),
            );
          }
        }
        readStatus(headers); // the answer's trailers, or a trailers-only answer
      };
      stream.onData = (chunk) => {
        try {
          reader.push(chunk);
        } catch (error) {
          finish(error as GrpcStatusError);
        }
      };
      stream.onEnd = () => finish();
      // A stream that closes before its end is a failure (an Error costs its stack trace, so it
      // is made only then): reset by the server, or its connection lost.
      stream.onClose = () => {
        if (settled) return;
        const reset = stream.resetCode;
        finish(
          new GrpcStatusError(
            statusOfReset(reset),
            reset === undefined ? this.lastError : `the stream was reset with HTTP/2 code ${reset}`,
          ),
        );
      };
      const timer = setTimeout(
        () => finish(new GrpcStatusError(status.DEADLINE_EXCEEDED, 'Deadline exceeded')),
        remaining,
      );
      const onAbort = () => finish(new GrpcStatusError(status.CANCELLED, 'call cancelled'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A path's fixed request headers, encoded once (a client calls a handful of methods). */
  private fixedHeaders(path: string): Buffer {
    let block = this.fixedBlocks.get(path);
    if (block) return block;
    block = encodeHeaderBlock([
      [':method', 'POST'],
      [':scheme', this.url.protocol === 'https:' ? 'https' : 'http'],
      [':path', path],
      [':authority', this.url.host],
      ['content-type', 'application/grpc'],
      ['te', 'trailers'],
    ]);
    if (this.fixedBlocks.size < MAX_FIXED_BLOCKS) this.fixedBlocks.set(path, block);
    return block;
  }

  /** False while the server refuses connections (the last attempt failed). */
  reachable(): boolean {
    return !this.refused;
  }

  /** Lets the calls running finish (GOAWAY), then closes the connection. */
  close(): void {
    this.connection?.close();
    this.connection = undefined;
  }

  /** The open connection, or a new one (after the server closed the last, or it failed). */
  private connect(): H2ClientConnection {
    if (this.connection?.usable) return this.connection;
    const host = this.url.hostname.replace(/^\[(.*)\]$/, '$1');
    const tls = this.url.protocol === 'https:';
    const port = Number(this.url.port || (tls ? 443 : 80));
    const socket: Socket = tls
      ? connectTls({
          host,
          port,
          ALPNProtocols: ['h2'],
          ...(isIP(host) === 0 && { servername: host }),
        })
      : connectTcp({ host, port });
    socket.once(tls ? 'secureConnect' : 'connect', () => {
      // Over TLS, HTTP/2 only where ALPN agreed on it: a server that chose HTTP/1.1 is not one.
      if (tls && (socket as TLSSocket).alpnProtocol !== 'h2') {
        return void socket.destroy(new Error(`${this.url.host} did not agree to HTTP/2 (ALPN)`));
      }
      this.refused = false;
    });
    socket.once('error', (error) => {
      this.refused = true;
      this.lastError = error.message;
    });
    socket.unref(); // an idle connection does not keep the process alive
    this.connection = new H2ClientConnection(socket);
    return this.connection;
  }
}
