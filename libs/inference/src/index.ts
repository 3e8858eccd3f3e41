export * from './protocol/tensor';
export * from './protocol/errors';
export * from './protocol/inference-handler';
export * from './protocol/json-codec';
export * from './protocol/rest-routes';
export * from './protocol/grpc-codec';
export * from './protocol/grpc-messages';
export * from './protocol/fp16';
export * from './protocol/inference-service';
export * from './protocol/proto-infer';
export * from './grpc/inference-grpc.server';
export * from './grpc/inference-grpc.client';
export * from './grpc/rest-relay';
export * from './rest/inference-listener';
export * from './rest/openapi';
export * from './engine/engine-errors';
// The engine (worker threads running onnxruntime-node) is `@keelson/inference/engine`: the gateway
// and recovery speak the protocol without loading it, and their bundles leave onnxruntime out.
export { LatencyWindow, type LatencyPercentiles } from './engine/latency-window';
export { GrpcStatusError, metadataValue } from './grpc/wire/grpc-wire';
export * from './grpc/wire/unary-grpc-client';
export * from './auth/node-credential';
