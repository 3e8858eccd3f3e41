import { hash, timingSafeEqual } from 'node:crypto';
import { InferenceError } from '../protocol/errors';

/** The shortest token a node accepts: a guessable one would be no door at all. */
export const MIN_NODE_TOKEN_LENGTH = 16;

/** One-shot `hash`: 1.0-1.1 µs a call against 1.5-1.6 for a Hash object (a loop of 500,000, twice). */
const digest = (token: string): Buffer => hash('sha256', token, 'buffer');

/**
 * The credential a prediction node requires on every inference call (REST and gRPC) and drill
 * route: a shared bearer token that only the gateways and recovery hold, so that reaching a node's
 * port is not a way around the gateway's keys and rate limits. Several tokens may be accepted at
 * once so a deployment rotates without downtime: add the new one to every node, move the callers
 * to it (a caller sends the first it holds: `nodeCallHeaders` in @keelson/config), then drop the old one.
 *
 * Tokens are compared as SHA-256 digests in constant time, so neither a token's length nor its
 * first differing byte shows in the answer's timing.
 */
export class NodeCredential {
  private readonly accepted: Buffer[];

  constructor(tokens: readonly string[]) {
    if (tokens.length === 0) throw new Error('a prediction node needs at least one node token');
    if (tokens.some((t) => t.length < MIN_NODE_TOKEN_LENGTH))
      throw new Error(`a node token must be at least ${MIN_NODE_TOKEN_LENGTH} characters`);
    this.accepted = tokens.map(digest);
  }

  /**
   * Passes a call whose `authorization` header or metadata is `Bearer <an accepted token>`;
   * throws UNAUTHENTICATED (HTTP 401) otherwise. The message never echoes what was presented.
   */
  check(authorization: string | undefined): void {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (presented === undefined)
      throw new InferenceError(
        'UNAUTHENTICATED',
        'a prediction node answers only callers with its node token (authorization: Bearer <token>); clients go through the gateway',
      );
    const seen = digest(presented);
    // Every accepted token is compared, so the time taken does not say which one matched.
    let matched = false;
    for (const token of this.accepted) matched = timingSafeEqual(seen, token) || matched;
    if (!matched) throw new InferenceError('UNAUTHENTICATED', 'the node token is not accepted');
  }
}
