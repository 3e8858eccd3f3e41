/**
 * A streaming detector for one series. Feed points in time order; each call returns the point's
 * anomaly score in [0, 1], computed from this point and earlier ones only (causal), in constant
 * memory and constant amortised time.
 */
export interface AnomalyDetector {
  update(timestampMs: number, value: number): number;
}

/** Scores a whole series with the given detector, point by point, in order (still causal). */
export function scorePoints(
  detector: AnomalyDetector,
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
): Float64Array {
  if (timestamps.length !== values.length) {
    throw new Error(`${timestamps.length} timestamps but ${values.length} values`);
  }
  const scores = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) scores[i] = detector.update(timestamps[i], values[i]);
  return scores;
}
