export interface AdamOptions {
  learningRate: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/**
 * Adam (Kingma & Ba, 2015) over one flat parameter array, in the form of the paper's section 2 and
 * scikit-learn's: the bias corrections fold into the step size, and epsilon is added to sqrt(v).
 */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private steps = 0;

  constructor(
    size: number,
    private readonly options: AdamOptions,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-8;
  }

  /** Moves `params` one step against `grads` (same layout). */
  step(params: Float64Array, grads: Float64Array): void {
    const { m, v, beta1, beta2, epsilon } = this;
    this.steps++;
    const rate =
      (this.options.learningRate * Math.sqrt(1 - beta2 ** this.steps)) / (1 - beta1 ** this.steps);
    const keep1 = 1 - beta1;
    const keep2 = 1 - beta2;
    for (let k = 0; k < params.length; k++) {
      const g = grads[k];
      const mk = (m[k] = beta1 * m[k] + keep1 * g);
      const vk = (v[k] = beta2 * v[k] + keep2 * g * g);
      params[k] -= (rate * mk) / (Math.sqrt(vk) + epsilon);
    }
  }
}
