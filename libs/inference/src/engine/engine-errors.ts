/**
 * Why the engine refused or failed a request. Each maps to one protocol answer, so the REST and
 * gRPC edges translate by class, never by parsing messages.
 */

/** The model's queue is full: answer 429 / RESOURCE_EXHAUSTED at once and let the client back off. */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
  constructor(readonly maxQueueSize: number) {
    super(`the model's queue is full (${maxQueueSize} requests waiting); retry later`);
  }
}

/** The request's deadline passed before it reached a worker: 504 / DEADLINE_EXCEEDED. */
export class DeadlineExceededError extends Error {
  override name = 'DeadlineExceededError';
  constructor(readonly deadline: number) {
    super(`the request's deadline (${new Date(deadline).toISOString()}) passed before inference`);
  }
}

/** The model version is draining or closed and takes no new work: 503 / UNAVAILABLE. */
export class ModelUnavailableError extends Error {
  override name = 'ModelUnavailableError';
}

/** The request does not fit the model (unknown input, wrong datatype or shape): 400 / INVALID_ARGUMENT. */
export class InvalidInferenceRequestError extends Error {
  override name = 'InvalidInferenceRequestError';
}

/** onnxruntime rejected the run, or the worker running it died: 500 / INTERNAL. */
export class InferenceFailedError extends Error {
  override name = 'InferenceFailedError';
}

/** The model could not be loaded (bad bytes, unsupported input types, failed warm-up). */
export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}
