import {
  InferenceError,
  type CancelSignal,
  type InferRequest,
  type RestInferCall,
  type InferResponse,
  type ModelMetadata,
} from '@keelson/inference';

/**
 * An inference call to relay as bytes (a REST body or a protobuf ModelInferRequest); its deadline
 * is the attempt's, in {@link CallLimits}.
 */
export type RelayedInfer = Omit<RestInferCall, 'deadlineMs'>;

/** One call's limits: when to give up, and a signal that abandons it early (a hedge's loser). */
export interface CallLimits {
  /** `Date.now()` milliseconds. */
  deadlineMs: number;
  signal?: CancelSignal;
}

/**
 * How the gateway talks to one prediction node. Failures are InferenceErrors: the node's own
 * answer with its status, or UNAVAILABLE / DEADLINE_EXCEEDED when the node could not be reached
 * or did not answer in time ({@link NodeUnreachable}).
 */
export interface NodeTransport {
  infer(request: InferRequest, limits: CallLimits): Promise<InferResponse>;
  /**
   * A REST inference body (JSON bytes, not yet decoded) for the model at its version (the node's
   * production one when there is none), answered with the bytes of the node's REST response.
   */
  inferRestBody(call: RelayedInfer, limits: CallLimits): Promise<Uint8Array>;
  /**
   * A protobuf `ModelInferRequest` (a gRPC client's, not yet decoded) for the model at its
   * version, answered with the bytes of the node's `ModelInferResponse`.
   */
  inferProtoBody(call: RelayedInfer, limits: CallLimits): Promise<Uint8Array>;
  modelMetadata(
    name: string,
    version: string | undefined,
    limits: CallLimits,
  ): Promise<ModelMetadata>;
  /** The node's ServerLive. */
  live(limits: CallLimits): Promise<boolean>;
  /** The node's ModelReady: the breaker's half-open probe. */
  modelReady(name: string, version: string, limits: CallLimits): Promise<boolean>;
  /** False while the transport knows the node is unreachable (e.g. gRPC TRANSIENT_FAILURE). */
  reachable(): boolean;
  close(): void;
}

/**
 * The node was not reached or did not answer: a refused or reset connection, or the attempt's
 * deadline. Always safe to retry elsewhere (inference has no side effects) and always the node's
 * fault as far as its circuit is concerned.
 */
export class NodeUnreachable extends InferenceError {
  constructor(code: 'UNAVAILABLE' | 'DEADLINE_EXCEEDED', message: string) {
    super(code, message);
    this.name = 'NodeUnreachable';
  }
}

/** The call was abandoned by the gateway (a hedge's loser); nobody waits for its result. */
export class CallCancelled extends Error {
  constructor() {
    super('call cancelled by the gateway');
    this.name = 'CallCancelled';
  }
}
