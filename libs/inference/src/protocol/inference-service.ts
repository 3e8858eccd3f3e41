import { join } from 'node:path';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from './grpc-messages';

export const INFERENCE_SERVICE_NAME = 'inference.GRPCInferenceService';

/** The RPCs Keelson serves, by their names in the service definition. */
export type InferenceRpc =
  'ServerLive' | 'ServerReady' | 'ModelReady' | 'ServerMetadata' | 'ModelMetadata' | 'ModelInfer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- message types are declared in grpc-messages.ts
export type InferenceServiceDefinition = Record<InferenceRpc, MethodDefinition<any, any>>;

let definition: InferenceServiceDefinition | undefined;

/** The .proto beside the protocol code: in src/, and in dist/ where tools/build/build.sh copies it. */
export const PROTO_FILE = join(__dirname, 'open_inference_grpc.proto');

/** The service definition, loaded once per process. */
export function inferenceServiceDefinition(): InferenceServiceDefinition {
  if (!definition) {
    const pkg: PackageDefinition = loadSync(PROTO_FILE, PROTO_LOADER_OPTIONS);
    definition = pkg[INFERENCE_SERVICE_NAME] as ServiceDefinition as InferenceServiceDefinition;
  }
  return definition;
}

/** grpc-js's default caps a message at 4 MB; a batch of tensors can be far larger. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
