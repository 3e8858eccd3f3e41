import { numericValue, type RawValue } from './feature-stats';
import type { TransformSpec } from './transform-spec';

export interface FeatureRow {
  features: number[];
  /** 0/1 for binary, class index for multiclass, the value for regression; null if missing. */
  label: number | null;
}

/**
 * Applies a transform spec to one validated record. The same arithmetic is exported into the ONNX
 * graph (training): keep the two in step.
 */
export function applyTransform(spec: TransformSpec, values: Record<string, RawValue>): FeatureRow {
  const features: number[] = [];
  for (const f of spec.features) {
    const raw = values[f.field] ?? null;
    if (f.kind === 'numeric') {
      const x = numericValue(f.source, raw);
      features.push(((x === null ? f.impute : x) - f.mean) / f.scale);
    } else {
      const index = raw === null ? -1 : f.vocabulary.indexOf(String(raw));
      for (let i = 0; i < f.vocabulary.length; i++) features.push(i === index ? 1 : 0);
      features.push(index === -1 ? 1 : 0);
    }
  }
  return { features, label: labelValue(spec, values[spec.label.field] ?? null) };
}

function labelValue(spec: TransformSpec, raw: RawValue): number | null {
  if (raw === null) return null;
  const label = spec.label;
  switch (label.kind) {
    case 'binary':
      return label.positive === true
        ? raw === true
          ? 1
          : 0
        : String(raw) === label.positive
          ? 1
          : 0;
    case 'multiclass': {
      const index = label.classes.indexOf(String(raw));
      return index === -1 ? null : index;
    }
    case 'regression':
      return typeof raw === 'number' ? raw : null;
  }
}
