import { BatchNetwork } from './batch-network';
import { forward } from './network';
import { createRandom } from './random';

// The analytic gradient must match central differences of the loss it claims to differentiate:
// mean loss over the batch + (l2 / 2) |W|^2. This is what catches a wrong index in a kernel.
function checkGradient(outputs: number, hidden: number[], labels: number[]) {
  const rows = labels.length;
  const inputs = 3;
  const random = createRandom(11);
  const net = new BatchNetwork({ inputs, hidden, outputs }, rows, random);
  const x = Float64Array.from({ length: rows * inputs }, () => random.normal());
  const y = Int32Array.from(labels);
  const l2 = 0.05;
  // Biases start at exactly 0, which puts a unit whose inputs are all 0 on ReLU's kink, where a
  // central difference reads 1/2: move every parameter off its initial value first.
  for (let k = 0; k < net.params.length; k++) net.params[k] += 0.1 * random.normal();
  const weightCount = new Set<number>();
  for (let l = 0, offset = 0, widths = [inputs, ...hidden, outputs]; l < widths.length - 1; l++) {
    for (let k = 0; k < widths[l] * widths[l + 1]; k++) weightCount.add(offset + k);
    offset += widths[l] * widths[l + 1] + widths[l + 1];
  }
  const objective = () => {
    let penalty = 0;
    for (const k of weightCount) penalty += net.params[k] ** 2;
    return net.lossOf(x, y, rows) / rows + (l2 / 2) * penalty;
  };
  net.lossAndGradient(x, y, rows, l2);
  const analytic = net.grads.slice();
  const h = 1e-6;
  for (let k = 0; k < net.params.length; k++) {
    const saved = net.params[k];
    net.params[k] = saved + h;
    const up = objective();
    net.params[k] = saved - h;
    const down = objective();
    net.params[k] = saved;
    expect(analytic[k]).toBeCloseTo((up - down) / (2 * h), 6);
  }
}

describe('BatchNetwork', () => {
  it('back-propagates the exact gradient of log loss through a sigmoid output', () => {
    checkGradient(1, [5, 4], [0, 1, 1, 0, 1]);
  });

  it('back-propagates the exact gradient of cross-entropy through a softmax output', () => {
    checkGradient(3, [6], [0, 2, 1, 2]);
  });

  it('handles logistic regression (no hidden layer)', () => {
    checkGradient(1, [], [1, 0, 0]);
  });

  it('exports a network whose reference forward pass gives the training probabilities', () => {
    const random = createRandom(3);
    const net = new BatchNetwork({ inputs: 4, hidden: [8], outputs: 3 }, 6, random);
    const x = Float64Array.from({ length: 24 }, () => random.normal());
    net.lossOf(x, new Int32Array(6), 6);
    const network = net.toNetwork();
    expect(network.layers.map((l) => l.activation)).toEqual(['relu', 'softmax']);
    const expected = forward(network, x, 6);
    net.probabilities.forEach((p, k) => expect(p).toBeCloseTo(expected[k], 12));
    // Its own arrays: further training must not change an exported model.
    net.params.fill(0);
    expect(network.layers[0].weights.some((w) => w !== 0)).toBe(true);
  });
});
