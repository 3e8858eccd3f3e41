/**
 * A gRPC client for unary calls on Node's own `http2` module: one connection to one server, every
 * call multiplexed on it, reconnected on the next call after the server closes it. It is the
 * gateway's transport to its nodes, where grpc-js's client cost about 190 µs of CPU a call
 * (docs/benchmarks.md) and this one sends the same frames for a fraction of it.
 */
import {
  connect,
  constants,
  type ClientHttp2Session,
  type ClientHttp2Stream,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { status } from '@grpc/grpc-js';
import { frameMessage, GrpcStatusError, MessageReader } from './grpc-wire';

export interface UnaryCallOptions {
  /** Further request headers: the call's metadata. */
  headers?: OutgoingHttpHeaders;
  /** `Date.now()` milliseconds: sent as `grpc-timeout`, and the call fails DEADLINE_EXCEEDED then. */
  deadlineMs: number;
  /** Abandons the call (RST_STREAM CANCEL); it then fails with `status.CANCELLED`. */
  signal?: AbortSignal;
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

export class UnaryGrpcClient {
  private session?: ClientHttp2Session;
  /** Whether the last connection attempt failed (and none has succeeded since). */
  private refused = false;

  /** `target`: `http://host:port`, or `https://host:port` for TLS (Node's trusted roots). */
  constructor(
    private readonly target: string,
    private readonly maxMessageBytes: number,
  ) {}

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
      let stream: ClientHttp2Stream;
      try {
        stream = this.connection().request({
          [constants.HTTP2_HEADER_METHOD]: 'POST',
          [constants.HTTP2_HEADER_PATH]: path,
          [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
          te: 'trailers',
          'grpc-timeout': `${remaining}m`,
          ...options.headers,
        });
      } catch (error) {
        // A session closing under the call (GOAWAY, a broken socket) refuses new streams at once.
        this.session = undefined;
        return reject(new GrpcStatusError(status.UNAVAILABLE, (error as Error).message));
      }
      const reader = new MessageReader(this.maxMessageBytes);
      let settled = false;
      let code: status | undefined;
      let details = '';
      const finish = (error?: GrpcStatusError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        if (error) {
          if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
          return reject(error);
        }
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
      stream.on('response', (headers) => {
        this.refused = false;
        const httpStatus = Number(headers[constants.HTTP2_HEADER_STATUS]);
        if (httpStatus !== 200) {
          return finish(
            new GrpcStatusError(statusOfHttp(httpStatus), `the server answered HTTP ${httpStatus}`),
          );
        }
        readStatus(headers); // a trailers-only answer
      });
      stream.on('trailers', readStatus);
      stream.on('data', (chunk: Buffer) => {
        try {
          reader.push(chunk);
        } catch (error) {
          finish(error as GrpcStatusError);
        }
      });
      stream.on('end', () => finish());
      // Every stream closes; only one closed before its end is a failure (an Error costs its
      // stack trace, so it is made only then).
      stream.on('close', () => {
        if (!settled) {
          finish(new GrpcStatusError(status.UNAVAILABLE, 'the stream closed before its status'));
        }
      });
      stream.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET') this.refused = true;
        finish(new GrpcStatusError(status.UNAVAILABLE, error.message));
      });
      const timer = setTimeout(
        () => finish(new GrpcStatusError(status.DEADLINE_EXCEEDED, 'Deadline exceeded')),
        remaining,
      );
      const onAbort = () => finish(new GrpcStatusError(status.CANCELLED, 'call cancelled'));
      options.signal?.addEventListener('abort', onAbort, { once: true });
      stream.end(frameMessage(payload));
    });
  }

  /** False while the server refuses connections (the last attempt failed). */
  reachable(): boolean {
    return !this.refused;
  }

  /** Lets the calls running finish (GOAWAY), then closes the connection. */
  close(): void {
    this.session?.close();
    this.session = undefined;
  }

  private connection(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const session = connect(this.target, { maxSessionMemory: Number.MAX_SAFE_INTEGER });
    session.on('error', () => (this.refused = true)); // its streams fail with it
    // A server going away (GOAWAY, or a closed socket) is reconnected on the next call.
    const forget = () => {
      if (this.session === session) this.session = undefined;
    };
    session.once('goaway', forget);
    session.once('close', forget);
    session.once('connect', () => (this.refused = false));
    session.unref(); // an idle connection does not keep the process alive
    this.session = session;
    return session;
  }
}
