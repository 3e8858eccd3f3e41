/**
 * A feed-forward network as plain typed arrays: what the trainer produces, the ONNX exporter bakes
 * into a graph, and the registry stores. Logistic regression is the one-layer case.
 */
export type Activation = 'relu' | 'sigmoid' | 'softmax' | 'identity';

export interface DenseLayer {
  inputs: number;
  outputs: number;
  /** Row-major [inputs x outputs]: weights[i * outputs + j] connects input i to output j. */
  weights: Float64Array;
  bias: Float64Array;
  activation: Activation;
}

export interface Network {
  layers: DenseLayer[];
}

/** Width of the network's input (the transform's feature count). */
export const inputWidth = (network: Network): number => network.layers[0].inputs;

/** Width of the network's output: 1 for a binary sigmoid, K for a softmax over K classes. */
export const outputWidth = (network: Network): number =>
  network.layers[network.layers.length - 1].outputs;

/**
 * Forward pass over `rows` rows of row-major input `x` ([rows x inputWidth]); returns the last
 * layer's activations, row-major [rows x outputWidth]. The reference the ONNX graph must match.
 */
export function forward(network: Network, x: Float64Array, rows: number): Float64Array {
  let input = x;
  for (const layer of network.layers) {
    const { inputs, outputs, weights, bias } = layer;
    const out = new Float64Array(rows * outputs);
    for (let r = 0; r < rows; r++) {
      const o = r * outputs;
      out.set(bias, o);
      const inRow = r * inputs;
      for (let i = 0; i < inputs; i++) {
        const v = input[inRow + i];
        if (v === 0) continue;
        const w = i * outputs;
        for (let j = 0; j < outputs; j++) out[o + j] += v * weights[w + j];
      }
    }
    activate(layer.activation, out, rows, outputs);
    input = out;
  }
  return input;
}

/** Applies an activation in place to [rows x width] values. */
export function activate(kind: Activation, z: Float64Array, rows: number, width: number): void {
  switch (kind) {
    case 'identity':
      return;
    case 'relu':
      for (let k = 0; k < z.length; k++) if (z[k] < 0) z[k] = 0;
      return;
    case 'sigmoid':
      for (let k = 0; k < z.length; k++) z[k] = sigmoid(z[k]);
      return;
    case 'softmax':
      for (let r = 0; r < rows; r++) {
        const o = r * width;
        let max = -Infinity;
        for (let j = 0; j < width; j++) max = Math.max(max, z[o + j]);
        let sum = 0;
        for (let j = 0; j < width; j++) sum += z[o + j] = Math.exp(z[o + j] - max);
        for (let j = 0; j < width; j++) z[o + j] /= sum;
      }
      return;
  }
}

/** A numerically stable logistic function. */
export function sigmoid(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/**
 * Class probabilities per row, [rows x classes]: a binary sigmoid output p becomes (1 - p, p), so
 * the ONNX `probabilities` output has the same shape for binary and multiclass models.
 */
export function classProbabilities(network: Network, output: Float64Array, rows: number) {
  if (outputWidth(network) !== 1) return output;
  const probs = new Float64Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    probs[2 * r] = 1 - output[r];
    probs[2 * r + 1] = output[r];
  }
  return probs;
}
