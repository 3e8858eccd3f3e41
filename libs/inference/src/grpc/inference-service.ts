import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import { loadSync, type PackageDefinition } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '../protocol/grpc-messages';
import { OPEN_INFERENCE_PROTO } from '../protocol/open-inference-proto';

export const INFERENCE_SERVICE_NAME = 'inference.GRPCInferenceService';

/** The RPCs Keelson serves, by their names in the service definition. */
export type InferenceRpc =
  'ServerLive' | 'ServerReady' | 'ModelReady' | 'ServerMetadata' | 'ModelMetadata' | 'ModelInfer';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- message types are declared in grpc-messages.ts
export type InferenceServiceDefinition = Record<InferenceRpc, MethodDefinition<any, any>>;

let definition: InferenceServiceDefinition | undefined;

/**
 * The service definition, loaded once per process. proto-loader only parses files, and the .proto
 * is embedded in the compiled code (tsc copies none to dist/), so it is written to a private
 * temporary directory for the moment of loading.
 */
export function inferenceServiceDefinition(): InferenceServiceDefinition {
  if (!definition) {
    const dir = mkdtempSync(join(tmpdir(), 'keelson-proto-'));
    let pkg: PackageDefinition;
    try {
      const file = join(dir, 'open_inference_grpc.proto');
      writeFileSync(file, OPEN_INFERENCE_PROTO);
      pkg = loadSync(file, PROTO_LOADER_OPTIONS);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    definition = pkg[INFERENCE_SERVICE_NAME] as ServiceDefinition as InferenceServiceDefinition;
  }
  return definition;
}

/** grpc-js's default caps a message at 4 MB; a batch of tensors can be far larger. */
export const DEFAULT_MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
