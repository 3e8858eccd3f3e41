// The inference worker with one fault injected, for the specs only: a request holding the string
// CRASH_VALUE ends the thread at once (as a worker killed for exceeding its memory limit would),
// before onnxruntime sees it. Registered before the real worker's listener, so it runs first.
import { parentPort } from 'node:worker_threads';
import type { ToWorker } from '../worker-protocol';
import { CRASH_VALUE } from './faults';

parentPort!.on('message', (message: ToWorker) => {
  const crash = message.inputs.some((t) => Array.isArray(t.data) && t.data.includes(CRASH_VALUE));
  if (crash) process.exit(70);
});

// After the listener above: the real worker registers its own on load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../inference-worker');
