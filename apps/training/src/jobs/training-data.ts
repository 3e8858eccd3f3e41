import { TerminalError } from '@keelson/messaging';
import { applyTransform, type RawValue, type TransformSpec } from '@keelson/ml';

/** A training window as a dense matrix: the transform applied to every record with a label. */
export interface TrainingMatrix {
  x: Float64Array;
  y: Int32Array;
  rows: number;
  width: number;
  /** 2 for a binary label, K for K classes. */
  classes: number;
  /** The raw values of each row, in order: production models are scored on these. */
  records: Array<Record<string, RawValue>>;
}

/**
 * Applies one transform version to raw records. Training re-transforms raw records rather than
 * reading stored feature rows: rows stored under older transform versions would otherwise mix
 * into a model whose graph bakes in only the newest.
 */
export function toMatrix(
  spec: TransformSpec,
  raw: Array<{ values: Record<string, unknown> }>,
): TrainingMatrix {
  if (spec.label.kind === 'regression')
    throw new TerminalError(`dataset ${spec.dataset} has a numeric label; only classifiers train`);
  const classes = spec.label.kind === 'binary' ? 2 : spec.label.classes.length;
  const width = spec.featureNames.length;
  const x = new Float64Array(raw.length * width);
  const y = new Int32Array(raw.length);
  const records: Array<Record<string, RawValue>> = [];
  let rows = 0;
  for (const { values } of raw) {
    const record = values as Record<string, RawValue>;
    const row = applyTransform(spec, record);
    if (row.label === null) continue; // unlabelled records teach nothing
    x.set(row.features, rows * width);
    y[rows] = row.label;
    records.push(record);
    rows++;
  }
  return { x: x.subarray(0, rows * width), y: y.subarray(0, rows), rows, width, classes, records };
}
