import { denseBackward, denseForward, outputLossAndDelta } from './dense-kernels';
import type { Network } from './network';
import type { Random } from './random';

/** Layer widths of a classifier: ReLU hidden layers, then 1 sigmoid unit or K softmax units. */
export interface Architecture {
  inputs: number;
  hidden: readonly number[];
  outputs: number;
}

interface TrainingLayer {
  inputs: number;
  outputs: number;
  weights: Float64Array;
  bias: Float64Array;
  weightGrad: Float64Array;
  biasGrad: Float64Array;
  /** This layer's activations for the current batch, [batch x outputs]. */
  out: Float64Array;
  /** d(mean loss)/d(pre-activation) for the current batch, [batch x outputs]. */
  delta: Float64Array;
  /** Scratch for the forward pass: the weights in [outputs x inputs] order. */
  transposed: Float64Array;
}

/**
 * A network being trained: all parameters in one flat array (so Adam, snapshots and restores are
 * single loops or copies), each layer's weights and bias views into it, and activation and delta
 * buffers sized once for the largest batch. A batch costs no allocation.
 */
export class BatchNetwork {
  readonly params: Float64Array;
  readonly grads: Float64Array;
  private readonly layers: TrainingLayer[];

  constructor(
    readonly architecture: Architecture,
    readonly batchSize: number,
    random: Random,
  ) {
    const widths = [architecture.inputs, ...architecture.hidden, architecture.outputs];
    let size = 0;
    for (let l = 1; l < widths.length; l++) size += widths[l - 1] * widths[l] + widths[l];
    this.params = new Float64Array(size);
    this.grads = new Float64Array(size);
    this.layers = [];
    let offset = 0;
    for (let l = 1; l < widths.length; l++) {
      const [inputs, outputs] = [widths[l - 1], widths[l]];
      const view = (length: number, of: Float64Array) => of.subarray(offset, offset + length);
      const weights = view(inputs * outputs, this.params);
      const weightGrad = view(inputs * outputs, this.grads);
      offset += inputs * outputs;
      const bias = view(outputs, this.params);
      const biasGrad = view(outputs, this.grads);
      offset += outputs;
      const last = l === widths.length - 1;
      if (last) {
        // Glorot/Xavier uniform: keeps a sigmoid or softmax output out of saturation at the start.
        const limit = Math.sqrt(6 / (inputs + outputs));
        for (let k = 0; k < weights.length; k++) weights[k] = (2 * random.uniform() - 1) * limit;
      } else {
        // He normal: keeps the variance of ReLU activations steady from layer to layer.
        const sd = Math.sqrt(2 / inputs);
        for (let k = 0; k < weights.length; k++) weights[k] = sd * random.normal();
      }
      const buffer = () => new Float64Array(batchSize * outputs);
      this.layers.push({
        inputs,
        outputs,
        weights,
        bias,
        weightGrad,
        biasGrad,
        out: buffer(),
        delta: buffer(),
        transposed: new Float64Array(inputs * outputs),
      });
    }
  }

  /**
   * Forward and backward over one batch ([rows x inputs], rows <= batchSize): fills `grads` with
   * the gradient of the batch's mean loss plus (l2 / 2) |weights|^2, and returns the summed loss.
   */
  lossAndGradient(x: Float64Array, labels: Int32Array, rows: number, l2: number): number {
    const loss = this.lossOf(x, labels, rows);
    const layers = this.layers;
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l];
      const below = l > 0 ? layers[l - 1] : null;
      denseBackward(
        below ? below.out : x,
        rows,
        layer.inputs,
        layer.weights,
        layer.outputs,
        layer.delta,
        l2,
        layer.weightGrad,
        layer.biasGrad,
        below ? below.delta : null,
      );
    }
    return loss;
  }

  /**
   * Forward pass and summed loss over one batch. Afterwards `probabilities` holds the output for
   * its first `rows` rows, [rows x outputs], until the next call.
   */
  lossOf(x: Float64Array, labels: Int32Array, rows: number): number {
    let input = x;
    const last = this.layers.length - 1;
    for (let l = 0; l <= last; l++) {
      const layer = this.layers[l];
      const { inputs, weights, bias, outputs, out, transposed } = layer;
      denseForward(input, rows, inputs, weights, bias, outputs, out, transposed, l < last);
      input = layer.out;
    }
    const output = this.layers[last];
    return outputLossAndDelta(output.out, labels, rows, output.outputs, output.delta);
  }

  get probabilities(): Float64Array {
    return this.layers[this.layers.length - 1].out;
  }

  /** The trained model, with arrays of its own (not views into the training buffers). */
  toNetwork(): Network {
    const last = this.layers.length - 1;
    return {
      layers: this.layers.map((layer, l) => ({
        inputs: layer.inputs,
        outputs: layer.outputs,
        weights: layer.weights.slice(),
        bias: layer.bias.slice(),
        activation: l < last ? 'relu' : layer.outputs === 1 ? 'sigmoid' : 'softmax',
      })),
    };
  }
}
