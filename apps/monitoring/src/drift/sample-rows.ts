import type { DriftReference, PredictionSample, SampledTensor } from '@keelson/schemas';

export type SampleValue = number | string | boolean | null;

/**
 * A sampled call as rows: row i of every [N] or [N, 1] input is one feature value (the model's
 * raw inputs are one such tensor per feature), and row i of the reference's score output, column
 * `column`, its score. A sample whose inputs disagree on N, or that lacks the score output, is
 * refused with the reason: it is counted, never guessed at.
 */
export function sampleRows(
  sample: PredictionSample,
  reference: DriftReference,
): { rows: Array<Record<string, SampleValue>>; scores: SampleValue[] } | { error: string } {
  const columns = sample.inputs.filter(isColumn);
  if (columns.length === 0) return { error: 'no [N] or [N, 1] input to read features from' };
  const n = columns[0].shape[0];
  if (columns.some((t) => t.shape[0] !== n || t.data.length !== n))
    return { error: 'inputs disagree on the number of rows' };
  const rows = Array.from({ length: n }, (_, i) =>
    Object.fromEntries(columns.map((t) => [t.name, t.data[i] as SampleValue])),
  );
  const scores: SampleValue[] = [];
  const score = reference.score;
  if (score) {
    const output = sample.outputs.find((t) => t.name === score.output);
    if (!output) return { error: `the answer has no ${score.output} output` };
    const width = output.shape.length === 1 ? 1 : output.shape[1];
    if (output.shape[0] !== n || score.column >= width || output.data.length < n * width)
      return { error: `${score.output} does not have ${n} rows of column ${score.column}` };
    for (let i = 0; i < n; i++) scores.push(output.data[i * width + score.column] as SampleValue);
  }
  return { rows, scores };
}

function isColumn(t: SampledTensor): boolean {
  return t.shape.length === 1 || (t.shape.length === 2 && t.shape[1] === 1);
}
