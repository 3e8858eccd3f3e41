import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EpochProgress, Network } from '@keelson/ml';
import type { Hyperparameters } from './hyperparameters';

export interface WorkerInput {
  x: Float64Array;
  y: Int32Array;
  rows: number;
  classes: number;
  hyperparameters: Hyperparameters;
}

export type WorkerMessage =
  | { kind: 'epoch'; progress: EpochProgress }
  | { kind: 'done'; network: Network; epochsRun: number; bestEpoch: number }
  | { kind: 'error'; message: string };

export interface TrainingRunHandle {
  result: Promise<{ network: Network; epochsRun: number; bestEpoch: number }>;
  /** Stops the worker at once (service shutdown); `result` rejects. */
  cancel(): Promise<void>;
}

/**
 * Starts a training in a worker thread. Compiled (dist/) the worker is plain JavaScript; run from
 * TypeScript (tests, `nx serve`) it loads through the same SWC hook as its parent.
 */
export function trainInWorker(
  input: WorkerInput,
  onEpoch: (progress: EpochProgress) => void,
): TrainingRunHandle {
  const ext = extname(__filename);
  const worker = new Worker(join(__dirname, `train.worker${ext}`), {
    workerData: input,
    execArgv: ext === '.ts' ? ['-r', '@swc-node/register'] : [],
  });
  let settled = false;
  const result = new Promise<{ network: Network; epochsRun: number; bestEpoch: number }>(
    (resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message.kind === 'epoch') onEpoch(message.progress);
        else if (message.kind === 'done') {
          settled = true;
          resolve(message);
          void worker.terminate();
        } else {
          settled = true;
          reject(new Error(`training failed: ${message.message}`));
          void worker.terminate();
        }
      });
      worker.on('error', (error) => {
        settled = true;
        reject(error);
      });
      worker.on('exit', (code) => {
        if (!settled) reject(new Error(`the training worker exited with code ${code}`));
      });
    },
  );
  return {
    result,
    async cancel() {
      await worker.terminate();
    },
  };
}
