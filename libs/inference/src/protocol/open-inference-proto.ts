/**
 * The text of open_inference_grpc.proto (beside this file, the reference copy), embedded because
 * the services run from dist/ and tsc copies no .proto files. A unit test keeps the two identical.
 */
export const OPEN_INFERENCE_PROTO = `// The Open Inference Protocol (KServe v2) gRPC service, as Keelson's prediction nodes and gateway
// serve it. Field numbers are those of KServe's open_inference_grpc.proto and of Triton's
// grpc_service.proto, which agree for these RPCs, so Triton and KServe clients work unchanged.
// InferParameter also carries Triton's double_param and uint64_param.
//
// The services load the copy embedded in open-inference-proto.ts (tsc does not copy .proto files
// into dist/); a unit test keeps the two identical.

syntax = "proto3";

package inference;

service GRPCInferenceService
{
  // Whether the server can receive and answer metadata and inference requests.
  rpc ServerLive(ServerLiveRequest) returns (ServerLiveResponse) {}

  // Whether the server is ready to infer.
  rpc ServerReady(ServerReadyRequest) returns (ServerReadyResponse) {}

  // Whether one model is ready to infer.
  rpc ModelReady(ModelReadyRequest) returns (ModelReadyResponse) {}

  // The server's name, version and extensions.
  rpc ServerMetadata(ServerMetadataRequest) returns (ServerMetadataResponse) {}

  // A model's versions, platform, inputs and outputs.
  rpc ModelMetadata(ModelMetadataRequest) returns (ModelMetadataResponse) {}

  // One inference.
  rpc ModelInfer(ModelInferRequest) returns (ModelInferResponse) {}
}

message ServerLiveRequest {}

message ServerLiveResponse
{
  bool live = 1;
}

message ServerReadyRequest {}

message ServerReadyResponse
{
  bool ready = 1;
}

message ModelReadyRequest
{
  string name = 1;
  // Empty: the server picks the version.
  string version = 2;
}

message ModelReadyResponse
{
  bool ready = 1;
}

message ServerMetadataRequest {}

message ServerMetadataResponse
{
  string name = 1;
  string version = 2;
  repeated string extensions = 3;
}

message ModelMetadataRequest
{
  string name = 1;
  // Empty: the server picks the version.
  string version = 2;
}

message ModelMetadataResponse
{
  message TensorMetadata
  {
    string name = 1;
    string datatype = 2;
    // -1 marks a variable-size dimension.
    repeated int64 shape = 3;
  }

  string name = 1;
  repeated string versions = 2;
  string platform = 3;
  repeated TensorMetadata inputs = 4;
  repeated TensorMetadata outputs = 5;
}

message InferParameter
{
  oneof parameter_choice
  {
    bool bool_param = 1;
    int64 int64_param = 2;
    string string_param = 3;
    double double_param = 4;
    uint64 uint64_param = 5;
  }
}

// A tensor's elements, flattened row-major, in the field for its datatype. FP16 has no field: it
// travels only as raw contents.
message InferTensorContents
{
  // BOOL
  repeated bool bool_contents = 1;
  // INT8, INT16, INT32
  repeated int32 int_contents = 2;
  // INT64
  repeated int64 int64_contents = 3;
  // UINT8, UINT16, UINT32
  repeated uint32 uint_contents = 4;
  // UINT64
  repeated uint64 uint64_contents = 5;
  // FP32
  repeated float fp32_contents = 6;
  // FP64
  repeated double fp64_contents = 7;
  // BYTES
  repeated bytes bytes_contents = 8;
}

message ModelInferRequest
{
  message InferInputTensor
  {
    string name = 1;
    string datatype = 2;
    repeated int64 shape = 3;
    map<string, InferParameter> parameters = 4;
    // Not set when the request uses raw_input_contents.
    InferTensorContents contents = 5;
  }

  message InferRequestedOutputTensor
  {
    string name = 1;
    map<string, InferParameter> parameters = 2;
  }

  string model_name = 1;
  // Empty: the server picks the version.
  string model_version = 2;
  // Echoed in the response when given.
  string id = 3;
  map<string, InferParameter> parameters = 4;
  repeated InferInputTensor inputs = 5;
  // Empty: every output of the model.
  repeated InferRequestedOutputTensor outputs = 6;
  // One entry per input, in the order of inputs: little-endian, row-major, no padding; a BYTES
  // element is a 4-byte little-endian length followed by its bytes. When set, no input has
  // contents.
  repeated bytes raw_input_contents = 7;
}

message ModelInferResponse
{
  message InferOutputTensor
  {
    string name = 1;
    string datatype = 2;
    repeated int64 shape = 3;
    map<string, InferParameter> parameters = 4;
    // Not set when the response uses raw_output_contents.
    InferTensorContents contents = 5;
  }

  string model_name = 1;
  string model_version = 2;
  string id = 3;
  map<string, InferParameter> parameters = 4;
  repeated InferOutputTensor outputs = 5;
  // One entry per output, in the order of outputs, encoded as raw_input_contents.
  repeated bytes raw_output_contents = 6;
}
`;
