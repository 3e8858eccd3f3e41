import { inspectOnnx } from './inspect-onnx';
import { encodeOnnxModel, type OnnxModel } from './onnx-model';
import { ProtoFormatError, protoFields, ProtoWriter } from './protobuf';

describe('protobuf wire format', () => {
  it('writes varints as protoc does, negative int64s in ten bytes', () => {
    const bytes = new ProtoWriter()
      .varint(1, 300)
      .varint(2, -1)
      .varint(3, 2 ** 40)
      .finish();
    expect(Array.from(bytes)).toEqual([
      0x08, 0xac, 0x02, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x18,
      0x80, 0x80, 0x80, 0x80, 0x80, 0x20,
    ]);
  });

  it('reads back what it writes', () => {
    const bytes = new ProtoWriter()
      .string(1, 'héllo')
      .message(2, (m) => m.varint(1, 7).packedVarints(2, [1, 300, -2]))
      .float(3, 0.5)
      .finish();
    const fields = [...protoFields(bytes)];
    expect(fields.map((f) => [f.field, f.wire])).toEqual([
      [1, 2],
      [2, 2],
      [3, 5],
    ]);
    const nested = fields[1];
    if (nested.wire !== 2) throw new Error('expected a message');
    const inner = [...protoFields(nested.bytes)];
    expect(inner[0]).toEqual({ field: 1, wire: 0, value: 7n });
  });

  it('refuses truncated or malformed bytes instead of reading past them', () => {
    const whole = new ProtoWriter().string(1, 'abcdef').finish();
    expect(() => [...protoFields(whole.subarray(0, 5))]).toThrow(ProtoFormatError);
    expect(() => [...protoFields(Uint8Array.of(0x08, 0xff))]).toThrow(/truncated varint/);
    expect(() => [...protoFields(Uint8Array.of(0x0b))]).toThrow(/wire type 3/);
    expect(() => [...protoFields(Uint8Array.of(0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f))]).toThrow(
      /past the end/,
    );
  });
});

describe('encodeOnnxModel and inspectOnnx', () => {
  const model: OnnxModel = {
    irVersion: 8,
    opsetImports: [
      { domain: '', version: 17 },
      { domain: 'ai.onnx.ml', version: 3 },
    ],
    producerName: 'keelson',
    producerVersion: '0.1.0',
    graph: {
      name: 'g',
      nodes: [
        {
          opType: 'LabelEncoder',
          domain: 'ai.onnx.ml',
          inputs: ['colour'],
          outputs: ['index'],
          attributes: [
            { name: 'keys_strings', kind: 'strings', value: ['red'] },
            { name: 'values_int64s', kind: 'ints', value: [0] },
            { name: 'default_int64', kind: 'int', value: -1 },
          ],
        },
        { opType: 'Add', inputs: ['x', 'w'], outputs: ['y'] },
        { opType: 'Add', inputs: ['y', 'w'], outputs: ['z'] },
      ],
      initializers: [{ name: 'w', type: 'float64', dims: [1], data: Float64Array.of(2) }],
      inputs: [
        { name: 'colour', elementType: 'string', shape: ['batch', 1] },
        { name: 'x', elementType: 'float64', shape: [] },
        // An IR < 4 model lists its initializers among the inputs too; they are not fed.
        { name: 'w', elementType: 'float64', shape: [1] },
      ],
      outputs: [
        { name: 'index', elementType: 'int64', shape: ['batch', 1] },
        { name: 'z', elementType: 'float64', shape: [] },
      ],
    },
    // Built with fromEntries: in an object literal, __proto__ would set the prototype instead.
    metadata: Object.fromEntries([
      ['__proto__', 'stays a key'],
      ['keelson.format', '1'],
    ]),
  };

  it('round-trips the interface of a model', () => {
    const info = inspectOnnx(encodeOnnxModel(model));
    expect(info).toEqual({
      irVersion: 8,
      producerName: 'keelson',
      producerVersion: '0.1.0',
      opsetImports: model.opsetImports,
      metadata: model.metadata,
      graphName: 'g',
      inputs: [
        { name: 'colour', kind: 'tensor', elementType: 'string', shape: ['batch', 1] },
        { name: 'x', kind: 'tensor', elementType: 'float64', shape: [] },
      ],
      outputs: [
        { name: 'index', kind: 'tensor', elementType: 'int64', shape: ['batch', 1] },
        { name: 'z', kind: 'tensor', elementType: 'float64', shape: [] },
      ],
      operators: [
        { domain: 'ai.onnx.ml', opType: 'LabelEncoder' },
        { domain: '', opType: 'Add' },
      ],
    });
    expect(Object.getPrototypeOf(info.metadata)).toBe(Object.prototype);
  });

  it('reports non-tensor values, open dimensions and unknown ranks as such', () => {
    // Written by hand: the exporter never declares these, but uploaded models may.
    const valueInfo = (name: string, type: (t: ProtoWriter) => void) =>
      new ProtoWriter().string(1, name).message(2, type).finish();
    const graph = new ProtoWriter()
      .bytes(
        11,
        valueInfo('open', (t) =>
          t.message(1, (tensor) =>
            tensor
              .varint(1, 1)
              .message(2, (shape) => shape.message(1, () => {}).message(1, (d) => d.varint(1, 3))),
          ),
        ),
      )
      .bytes(
        11,
        valueInfo('rankless', (t) => t.message(1, (tensor) => tensor.varint(1, 99))),
      )
      .bytes(
        12,
        valueInfo('scores', (t) => t.message(4, (seq) => seq.message(1, () => {}))),
      )
      .bytes(
        12,
        valueInfo('untyped', () => {}),
      )
      .finish();
    const bytes = new ProtoWriter().varint(1, 3).bytes(7, graph).finish();
    const info = inspectOnnx(bytes);
    expect(info.inputs).toEqual([
      { name: 'open', kind: 'tensor', elementType: 'float32', shape: [null, 3] },
      { name: 'rankless', kind: 'tensor', elementType: 'unknown' },
    ]);
    expect(info.outputs).toEqual([
      { name: 'scores', kind: 'sequence' },
      { name: 'untyped', kind: 'unknown' },
    ]);
  });

  it('refuses bytes that are not an ONNX model', () => {
    expect(() => inspectOnnx(new TextEncoder().encode('{"not": "onnx"}'))).toThrow(
      ProtoFormatError,
    );
    expect(() => inspectOnnx(new Uint8Array(0))).toThrow(/no ir_version/);
    expect(() => inspectOnnx(new ProtoWriter().varint(1, 8).finish())).toThrow(/no graph/);
    expect(() => inspectOnnx(new ProtoWriter().string(1, 'eight').finish())).toThrow(
      /expected a varint/,
    );
  });
});
