import { InferenceSession } from 'onnxruntime-node';
import { inspectOnnx, type OnnxValueSummary } from '@keelson/ml';
import type { ModelTensor } from '@keelson/persistence';
import { ApiError } from '@keelson/service-kit';

/**
 * Proves an ONNX model loads in onnxruntime (the runtime serving uses) and reads its inputs and
 * outputs from the graph. Anything that does not load is a 400 with onnxruntime's reason.
 */
export async function describeOnnx(
  bytes: Uint8Array,
): Promise<{ inputs: ModelTensor[]; outputs: ModelTensor[]; metadata: Record<string, string> }> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(bytes);
  } catch (error) {
    throw ApiError.badRequest(`not a model onnxruntime can load: ${(error as Error).message}`);
  }
  try {
    const graph = inspectOnnx(bytes);
    return {
      inputs: graph.inputs.map(tensorOf),
      outputs: graph.outputs.map(tensorOf),
      metadata: graph.metadata,
    };
  } finally {
    await session.release();
  }
}

/** A graph value as the registry lists it: open dimensions are `?`, a non-tensor its kind. */
function tensorOf(value: OnnxValueSummary): ModelTensor {
  return {
    name: value.name,
    type: value.kind === 'tensor' ? (value.elementType ?? 'unknown') : value.kind,
    shape: (value.shape ?? []).map((d) => d ?? '?'),
  };
}
