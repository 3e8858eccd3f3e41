/**
 * A jest node environment for specs that run onnxruntime-node. Its native binding builds output
 * tensors from the main realm's typed arrays, while onnxruntime-common, loaded inside jest's
 * sandbox, checks them with `instanceof` against the sandbox's constructors and throws "A float32
 * tensor's data must be type of function Float32Array()" (microsoft/onnxruntime#16622). Giving
 * the sandbox the main realm's typed array constructors makes both sides agree.
 *
 * Use with a docblock: `@jest-environment <rootDir>/../../tools/test/onnxruntime-environment.js` (from
 * a project under apps/ or libs/).
 */
const { TestEnvironment } = require('jest-environment-node');

const TYPED_ARRAYS = [
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxruntimeEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of TYPED_ARRAYS) {
      if (name in globalThis) this.global[name] = globalThis[name];
    }
  }
}

module.exports = OnnxruntimeEnvironment;
