import { join } from 'node:path';

/** A BYTES value that makes the crashing worker end its thread (see crashing-inference-worker). */
export const CRASH_VALUE = '__crash_the_worker__';

/** The crashing worker's script, for WorkerPoolOptions.entry (specs run from TypeScript). */
export const CRASHING_WORKER = join(__dirname, 'crashing-inference-worker.ts');
