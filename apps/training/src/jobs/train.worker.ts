// Runs one training in a worker thread, so the service's event loop keeps answering HTTP,
// heartbeating its job and publishing progress while the trainer holds a core.
import { parentPort, workerData } from 'node:worker_threads';
import { train } from '@keelson/ml';
import type { WorkerInput, WorkerMessage } from './worker-trainer';

const input = workerData as WorkerInput;
const post = (message: WorkerMessage) => parentPort!.postMessage(message);

try {
  const result = train({
    x: input.x,
    labels: input.y,
    rows: input.rows,
    classes: input.classes,
    ...input.hyperparameters,
    onEpoch: (progress) => post({ kind: 'epoch', progress }),
  });
  post({
    kind: 'done',
    network: result.network,
    epochsRun: result.epochsRun,
    bestEpoch: result.bestEpoch,
  });
} catch (error) {
  post({ kind: 'error', message: (error as Error).message });
}
