/**
 * When a header list a client sends is malformed (RFC 9113, sections 8.2 and 8.3.1), as Node's
 * `http2` (nghttp2) checked before Keelson read HTTP/2 itself: the stream is reset with
 * PROTOCOL_ERROR and never reaches a method. Socket-free.
 */
import type { HeaderPair } from './hpack';

/** Fields that describe one HTTP/1.1 connection and mean nothing, or harm, in HTTP/2. */
const CONNECTION_SPECIFIC = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
]);
const REQUEST_PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path']);
/** A field name: a token (RFC 9110, 5.6.2) in lower case, as HTTP/2 requires. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** A value must hold no NUL, CR or LF, and not start or end with a space or a tab. */
const BAD_VALUE = /[\0\r\n]|^[ \t]|[ \t]$/;

function fieldProblem(name: string, value: string): string | undefined {
  if (!FIELD_NAME.test(name)) return `field name '${name}' is not a lower-case token`;
  if (CONNECTION_SPECIFIC.has(name)) return `connection-specific field '${name}'`;
  if (name === 'te' && value !== 'trailers') return `te is '${value}', not 'trailers'`;
  if (BAD_VALUE.test(value)) return `field '${name}' has a value HTTP/2 forbids`;
  return undefined;
}

/** Why a request's header list is malformed, or undefined when it is well formed. */
export function requestHeaderProblem(pairs: readonly HeaderPair[]): string | undefined {
  const pseudo = new Map<string, string>();
  let regularSeen = false;
  for (const [name, value] of pairs) {
    if (name.startsWith(':')) {
      if (regularSeen) return `pseudo-header ${name} after a regular field`;
      if (!REQUEST_PSEUDO_HEADERS.has(name)) return `${name} is not a request pseudo-header`;
      if (pseudo.has(name)) return `${name} appears twice`;
      pseudo.set(name, value);
      continue;
    }
    regularSeen = true;
    const problem = fieldProblem(name, value);
    if (problem) return problem;
  }
  // CONNECT (the one method that may lack them) is no gRPC call: every request needs all three.
  for (const name of [':method', ':scheme', ':path']) {
    if (!pseudo.get(name)) return `${name} is missing or empty`;
  }
  return undefined;
}

/** Why a trailer list is malformed (it may hold no pseudo-header), or undefined. */
export function trailerProblem(pairs: readonly HeaderPair[]): string | undefined {
  for (const [name, value] of pairs) {
    if (name.startsWith(':')) return `pseudo-header ${name} in trailers`;
    const problem = fieldProblem(name, value);
    if (problem) return problem;
  }
  return undefined;
}
