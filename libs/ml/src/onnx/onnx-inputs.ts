import { numericValue, type RawValue } from '../transform/feature-stats';
import type { TransformSpec } from '../transform/transform-spec';

/**
 * One graph input as plain data, from which `new ort.Tensor(type, data, dims)` makes the tensor
 * (narrow on `type` first). Kept free of onnxruntime so this lib loads without the native module.
 */
export type OnnxFeed =
  | { type: 'float64'; data: Float64Array; dims: [number, 1] }
  | { type: 'string'; data: string[]; dims: [number, 1] };

/**
 * The feeds for an exported graph (see exportOnnx), one per transform feature field, from
 * validated records: numbers as applyTransform reads them (booleans 1/0, timestamps in days since
 * the epoch) with NaN for missing; categories as strings with '' for missing.
 */
export function onnxInputsFromRecords(
  spec: TransformSpec,
  records: ReadonlyArray<Record<string, RawValue>>,
): Record<string, OnnxFeed> {
  return Object.fromEntries(
    spec.features.map((f): [string, OnnxFeed] => {
      if (f.kind === 'numeric') {
        const data = Float64Array.from(
          records,
          (r) => numericValue(f.source, r[f.field] ?? null) ?? Number.NaN,
        );
        return [f.field, { type: 'float64', data, dims: [records.length, 1] }];
      }
      const data = records.map((r) => {
        const raw = r[f.field] ?? null;
        return raw === null ? '' : String(raw);
      });
      return [f.field, { type: 'string', data, dims: [records.length, 1] }];
    }),
  );
}
