import type { OnnxAttribute, OnnxNode, OnnxTensor } from './onnx-model';

/**
 * Collects nodes and initializers for one graph and hands out value names. Graph inputs are named
 * by dataset fields, which are arbitrary strings: every internal name is checked against them (and
 * against the outputs and earlier names) and suffixed until unique, so a field called
 * `age/standardised` cannot capture another field's intermediate value.
 */
export class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly taken: Set<string>;

  /** `reserved`: the graph's input and output names. */
  constructor(reserved: Iterable<string>) {
    this.taken = new Set(reserved);
  }

  /** A fresh name derived from `hint`. */
  name(hint: string): string {
    let name = hint;
    for (let n = 1; this.taken.has(name); n++) name = `${hint}_${n}`;
    this.taken.add(name);
    return name;
  }

  /** Adds an initializer and returns its name. */
  constant(hint: string, tensor: OnnxTensor): string {
    const name = this.name(hint);
    this.initializers.push({ ...tensor, name });
    return name;
  }

  doubles(hint: string, values: ArrayLike<number>, dims = [values.length]): string {
    return this.constant(hint, { type: 'float64', dims, data: Float64Array.from(values) });
  }

  int64s(hint: string, values: ArrayLike<number>, dims = [values.length]): string {
    return this.constant(hint, {
      type: 'int64',
      dims,
      data: BigInt64Array.from(Array.from(values), (v) => BigInt(v)),
    });
  }

  /**
   * Adds a node with one output and returns the output's name: `output` if given (a graph
   * output), otherwise a fresh name from `hint`.
   */
  node(
    opType: string,
    inputs: string[],
    options: { hint: string; output?: string; attributes?: OnnxAttribute[]; domain?: string },
  ): string {
    const output = options.output ?? this.name(options.hint);
    this.nodes.push({
      opType,
      domain: options.domain,
      name: this.name(`${options.hint}:${opType}`),
      inputs,
      outputs: [output],
      attributes: options.attributes,
    });
    return output;
  }
}

export const intAttribute = (name: string, value: number): OnnxAttribute => ({
  name,
  kind: 'int',
  value,
});
