import { loadSync } from '@grpc/proto-loader';
import { inferenceServiceDefinition, PROTO_FILE } from './inference-service';

/**
 * Field numbers and types of KServe's open_inference_grpc.proto and Triton's grpc_service.proto
 * (identical for these messages; double_param and uint64_param are Triton's later additions).
 * A wrong number here would make every real client's messages decode as garbage.
 */
const EXPECTED: Record<string, Record<string, [number, string]>> = {
  ServerLiveResponse: { live: [1, 'bool'] },
  ServerReadyResponse: { ready: [1, 'bool'] },
  ModelReadyRequest: { name: [1, 'string'], version: [2, 'string'] },
  ModelReadyResponse: { ready: [1, 'bool'] },
  ServerMetadataResponse: {
    name: [1, 'string'],
    version: [2, 'string'],
    extensions: [3, 'string*'],
  },
  ModelMetadataRequest: { name: [1, 'string'], version: [2, 'string'] },
  ModelMetadataResponse: {
    name: [1, 'string'],
    versions: [2, 'string*'],
    platform: [3, 'string'],
    inputs: [4, 'message*'],
    outputs: [5, 'message*'],
  },
  'ModelMetadataResponse.TensorMetadata': {
    name: [1, 'string'],
    datatype: [2, 'string'],
    shape: [3, 'int64*'],
  },
  InferParameter: {
    bool_param: [1, 'bool'],
    int64_param: [2, 'int64'],
    string_param: [3, 'string'],
    double_param: [4, 'double'],
    uint64_param: [5, 'uint64'],
  },
  InferTensorContents: {
    bool_contents: [1, 'bool*'],
    int_contents: [2, 'int32*'],
    int64_contents: [3, 'int64*'],
    uint_contents: [4, 'uint32*'],
    uint64_contents: [5, 'uint64*'],
    fp32_contents: [6, 'float*'],
    fp64_contents: [7, 'double*'],
    bytes_contents: [8, 'bytes*'],
  },
  ModelInferRequest: {
    model_name: [1, 'string'],
    model_version: [2, 'string'],
    id: [3, 'string'],
    parameters: [4, 'message*'],
    inputs: [5, 'message*'],
    outputs: [6, 'message*'],
    raw_input_contents: [7, 'bytes*'],
  },
  'ModelInferRequest.InferInputTensor': {
    name: [1, 'string'],
    datatype: [2, 'string'],
    shape: [3, 'int64*'],
    parameters: [4, 'message*'],
    contents: [5, 'message'],
  },
  'ModelInferRequest.InferRequestedOutputTensor': {
    name: [1, 'string'],
    parameters: [2, 'message*'],
  },
  ModelInferResponse: {
    model_name: [1, 'string'],
    model_version: [2, 'string'],
    id: [3, 'string'],
    parameters: [4, 'message*'],
    outputs: [5, 'message*'],
    raw_output_contents: [6, 'bytes*'],
  },
  'ModelInferResponse.InferOutputTensor': {
    name: [1, 'string'],
    datatype: [2, 'string'],
    shape: [3, 'int64*'],
    parameters: [4, 'message*'],
    contents: [5, 'message'],
  },
};

interface Descriptor {
  name: string;
  field: { name: string; number: number; label: string; type: string }[];
  nestedType: Descriptor[];
}

describe('open_inference_grpc.proto', () => {
  it.each(Object.entries(EXPECTED))('numbers %s as KServe and Triton do', (message, fields) => {
    const pkg = loadSync(PROTO_FILE, { keepCase: true });
    const [outer, nested] = message.split('.');
    const top = (pkg[`inference.${outer}`] as unknown as { type: Descriptor }).type;
    const type = nested ? top.nestedType.find((t) => t.name === nested)! : top;
    const actual = Object.fromEntries(
      type.field.map((f) => [
        f.name,
        [
          f.number,
          `${f.type.replace('TYPE_', '').toLowerCase()}${f.label === 'LABEL_REPEATED' ? '*' : ''}`,
        ],
      ]),
    );
    expect(actual).toEqual(fields);
  });

  it('defines the six RPCs of inference.GRPCInferenceService', () => {
    const paths = Object.values(inferenceServiceDefinition()).map((m) => m.path);
    expect(paths.sort()).toEqual(
      [
        'ModelInfer',
        'ModelMetadata',
        'ModelReady',
        'ServerLive',
        'ServerMetadata',
        'ServerReady',
      ].map((rpc) => `/inference.GRPCInferenceService/${rpc}`),
    );
  });
});
