import { InferenceError } from '@keelson/inference';
import { CallCancelled, NodeUnreachable } from '../transport/node-transport';

export interface Verdict {
  /** Worth sending to another node. */
  retry: boolean;
  /** Counts against the node's circuit. */
  nodeFault: boolean;
}

/**
 * What one failed attempt means. Inference has no side effects, so anything that is not the
 * request's own fault may go to another node: unreachable nodes, timeouts, 5xx, an overloaded
 * node (429), and NOT_FOUND (the gateway only sends a version to nodes that announced it, so a
 * node that denies having it has just unloaded it). A request the node rejects as malformed
 * (INVALID_ARGUMENT) would fail the same way everywhere. Only unreachable nodes, timeouts and 5xx
 * count against a node's circuit: an overloaded node is busy, not broken.
 */
export function judge(error: unknown): Verdict {
  if (error instanceof CallCancelled) return { retry: false, nodeFault: false };
  if (error instanceof NodeUnreachable) return { retry: true, nodeFault: true };
  if (!(error instanceof InferenceError)) return { retry: true, nodeFault: true };
  switch (error.code) {
    case 'INVALID_ARGUMENT':
      return { retry: false, nodeFault: false };
    case 'NOT_FOUND':
    case 'RESOURCE_EXHAUSTED':
      return { retry: true, nodeFault: false };
    default:
      return { retry: true, nodeFault: true };
  }
}

/**
 * The error the client sees when the last attempt failed. The request's own faults keep the
 * node's message; the pool's failures are told without node addresses, which are nobody's business
 * outside the cluster.
 */
export function clientError(error: unknown, attempts: number, deadlineMs: number): InferenceError {
  if (error instanceof Overloaded) return error;
  if (
    error instanceof InferenceError &&
    !judge(error).nodeFault &&
    !(error instanceof NodeUnreachable)
  )
    return new InferenceError(error.code, error.message);
  const timedOut = error instanceof InferenceError && error.code === 'DEADLINE_EXCEEDED';
  if (timedOut || Date.now() >= deadlineMs)
    return new InferenceError('DEADLINE_EXCEEDED', 'no prediction node answered in time');
  const tried = attempts === 1 ? 'one node' : `${attempts} nodes`;
  if (error instanceof InferenceError && error.code === 'INTERNAL')
    return new InferenceError('INTERNAL', `prediction failed on ${tried}: ${error.message}`);
  return new InferenceError(
    'UNAVAILABLE',
    `no prediction node could serve the request (tried ${tried})`,
  );
}

/**
 * Every node that serves the request has as many of this gateway's requests outstanding as its
 * concurrency limit allows: refused at once (503, retry in a second) rather than queued.
 */
export class Overloaded extends InferenceError {
  readonly retryAfterSeconds = 1;
  constructor() {
    super('UNAVAILABLE', 'every prediction node serving this model is at capacity; retry shortly');
  }
}
