import type { Tensor } from '../protocol/tensor';
import type { TensorMetadata } from './tensor-metadata';

/** Session options for latency on a shared CPU; see docs/serving-engine.md for the measurements. */
export interface EngineSessionOptions {
  /** Threads one operator may use; 1 keeps each worker on one core and never spinning. */
  intraOpNumThreads: number;
  graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
}

/** What a worker is started with. */
export interface WorkerInit {
  /** The ONNX model, shared by every worker (and their replacements) without a copy per start. */
  model: SharedArrayBuffer;
  session: EngineSessionOptions;
  /** Run one zero-filled row before reporting ready, so the first request pays no first-run cost. */
  warmUp: boolean;
}

export type ToWorker = { kind: 'run'; id: number; inputs: Tensor[]; outputs?: string[] };

export type FromWorker =
  | { kind: 'ready'; inputs: TensorMetadata[]; outputs: TensorMetadata[] }
  | { kind: 'start-failed'; message: string }
  | { kind: 'result'; id: number; outputs: Tensor[] }
  | { kind: 'error'; id: number; message: string };
