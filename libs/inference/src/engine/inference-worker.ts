// One inference worker: holds an onnxruntime session and runs the batches the pool sends it.
// session.run() blocks its thread for the whole inference, so it runs here, never on the thread
// that answers HTTP and gRPC. Imports stay relative (no @keelson/* aliases) so the file loads the
// same way compiled and through the SWC hook.
import { parentPort, workerData } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { ORT_TYPE, type Tensor, type TensorData } from '../protocol/tensor';
import { datatypeOfOrtType, toTensorMetadata, warmUpInputs } from './tensor-metadata';
import { postable } from './transferables';
import type { FromWorker, ToWorker, WorkerInit } from './worker-protocol';

const init = workerData as WorkerInit;
const port = parentPort!;
const post = (message: FromWorker, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

// A failed run is answered to its caller with onnxruntime's message; printing it to stderr as
// well would only add unstructured noise beside the service's JSON logs.
const RUN_OPTIONS: ort.InferenceSession.RunOptions = { logSeverityLevel: 4 };

function toOrt(tensor: Tensor): ort.Tensor {
  // The constructor's overloads are keyed by type literal; the datatype fixes the data's type.
  return new ort.Tensor(
    ORT_TYPE[tensor.datatype] as 'float32',
    tensor.data as Float32Array,
    tensor.shape,
  );
}

function fromOrt(name: string, value: ort.Tensor): Tensor {
  const datatype = datatypeOfOrtType(value.type);
  if (!datatype) throw new Error(`output '${name}' has type ${value.type}, which OIP cannot carry`);
  let data = value.data as TensorData;
  // Where a Float16Array exists onnxruntime returns one; OIP's FP16 is the raw bits.
  if (datatype === 'FP16' && !(data instanceof Uint16Array)) {
    const half = data as unknown as Uint16Array;
    data = new Uint16Array(half.buffer, half.byteOffset, half.length);
  }
  return { name, datatype, shape: value.dims.slice(), data };
}

async function run(session: ort.InferenceSession, inputs: Tensor[], outputs?: string[]) {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of inputs) feeds[input.name] = toOrt(input);
  const results = outputs
    ? await session.run(feeds, outputs, RUN_OPTIONS)
    : await session.run(feeds, RUN_OPTIONS);
  const names = outputs ?? session.outputNames;
  return names.map((name) => fromOrt(name, results[name] as ort.Tensor));
}

async function start(): Promise<void> {
  // The native binding takes no SharedArrayBuffer: copy once, for the session to parse.
  const model = new Uint8Array(init.model.byteLength);
  model.set(new Uint8Array(init.model));
  let session: ort.InferenceSession;
  let metadata: Pick<Extract<FromWorker, { kind: 'ready' }>, 'inputs' | 'outputs'>;
  try {
    session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: init.session.intraOpNumThreads,
      // Sequential graphs: these models are chains, and a second pool of threads would only contend.
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: init.session.graphOptimizationLevel,
    });
    metadata = {
      inputs: session.inputMetadata.map(toTensorMetadata),
      outputs: session.outputMetadata.map(toTensorMetadata),
    };
    if (init.warmUp) await run(session, warmUpInputs(metadata.inputs));
  } catch (error) {
    post({ kind: 'start-failed', message: (error as Error).message });
    return;
  }

  port.on('message', (message: ToWorker) => {
    run(session, message.inputs, message.outputs).then(
      (outputs) => {
        const { tensors, transfer } = postable(outputs, true);
        try {
          post({ kind: 'result', id: message.id, outputs: tensors }, transfer);
        } catch {
          // A buffer onnxruntime would not let go of: clone it instead.
          post({ kind: 'result', id: message.id, outputs: tensors });
        }
      },
      (error: Error) => post({ kind: 'error', id: message.id, message: error.message }),
    );
  });
  post({ kind: 'ready', ...metadata });
}

void start();
