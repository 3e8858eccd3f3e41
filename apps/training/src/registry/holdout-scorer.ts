import { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  onnxInputsFromRecords,
  scoreClassifier,
  type ClassifierScores,
  type RawValue,
  type TransformSpec,
} from '@keelson/ml';

/**
 * Scores an exported model on raw holdout records through onnxruntime, exactly as serving would
 * run it: how a candidate and the production model it may replace are compared on the same rows,
 * even when they were built with different transform versions.
 */
export async function scoreArtifact(
  onnx: Uint8Array,
  spec: TransformSpec,
  records: Array<Record<string, RawValue>>,
  labels: Int32Array,
): Promise<ClassifierScores> {
  const session = await InferenceSession.create(onnx);
  try {
    const feeds: Record<string, Tensor> = {};
    for (const [name, input] of Object.entries(onnxInputsFromRecords(spec, records)))
      feeds[name] = new Tensor(
        input.type === 'string' ? 'string' : 'float64',
        input.data,
        input.dims,
      );
    const out = await session.run(feeds, ['probabilities']);
    const probabilities = out.probabilities;
    const [rows, classes] = probabilities.dims as number[];
    const data = probabilities.data as Float32Array;
    // A binary model's output is (1 - p, p): score P(class 1) as the trainer's metrics expect.
    const output = new Float64Array(classes === 2 ? rows : rows * classes);
    if (classes === 2) for (let r = 0; r < rows; r++) output[r] = data[2 * r + 1];
    else output.set(data);
    return scoreClassifier(labels, output, classes === 2 ? 1 : classes);
  } finally {
    await session.release();
  }
}
