import { buildDriftReference, type DriftReferenceInput } from '@keelson/detection';
import {
  ONNX_PROBABILITIES,
  onnxInputsFromRecords,
  type RawValue,
  type TransformSpec,
} from '@keelson/ml';
import type { DriftReference } from '@keelson/schemas';

/**
 * A new version's drift reference: the distribution of each raw input over the rows it trained
 * on, taken exactly as the exported graph receives them (onnxInputsFromRecords: booleans as 1/0,
 * timestamps as days, '' for a missing category), and of its score on the holdout rows (the
 * positive class's probability, column 1 of `probabilities`; binary models only). Monitoring
 * compares sampled traffic against it.
 */
export function trainingReference(
  spec: TransformSpec,
  trainingRecords: ReadonlyArray<Record<string, RawValue>>,
  holdoutOutputs: Float64Array,
  outputWidth: number,
): DriftReference {
  const feeds = onnxInputsFromRecords(spec, trainingRecords);
  const features: DriftReferenceInput['features'] = {};
  for (const f of spec.features)
    features[f.field] = {
      kind: f.kind === 'numeric' ? 'number' : 'category',
      values: feeds[f.field].data,
    };
  const binary = spec.label.kind === 'binary' && outputWidth === 1 && holdoutOutputs.length > 0;
  return buildDriftReference({
    features,
    ...(binary && { scores: { output: ONNX_PROBABILITIES, column: 1, values: holdoutOutputs } }),
  });
}
