import type { IncomingHttpHeaders } from 'node:http2';
import { invalid } from '../protocol/errors';
import type { InferenceHandler } from '../protocol/inference-handler';
import { inferRest } from '../protocol/rest-routes';
import type { UnaryMethod } from './wire/unary-grpc-server';

/**
 * A Keelson extension on the gRPC port, beside `inference.GRPCInferenceService`: a REST inference
 * body carried as the message of a unary call, answered with the REST response's JSON. The
 * gateway relays its REST clients' calls this way over one multiplexed HTTP/2 connection per
 * node, bytes both ways, instead of decoding JSON to protobuf and back. The model and version
 * travel as metadata; the call's deadline, cancellation and credential are gRPC's own.
 */
export const REST_RELAY_PATH = '/keelson.inference.Relay/RestInfer';
const MODEL_HEADER = 'keelson-model';
const VERSION_HEADER = 'keelson-version';

/** The metadata naming what a relayed call is for (percent-encoded: metadata is ASCII). */
export function restRelayHeaders(model: string, version?: string): Record<string, string> {
  return {
    [MODEL_HEADER]: encodeURIComponent(model),
    ...(version !== undefined && { [VERSION_HEADER]: encodeURIComponent(version) }),
  };
}

function header(metadata: IncomingHttpHeaders, name: string): string | undefined {
  const value = metadata[name];
  if (typeof value !== 'string') return undefined;
  try {
    return decodeURIComponent(value);
  } catch {
    throw invalid(`the ${name} metadata is not valid percent-encoding`);
  }
}

/** The relay method over `handler`: what a node (or the gateway) serves at REST_RELAY_PATH. */
export function restRelayMethod(
  handler: InferenceHandler,
): UnaryMethod<Buffer, Uint8Array | string> {
  return {
    decode: (bytes) => bytes,
    encode: (json) => (typeof json === 'string' ? Buffer.from(json) : json),
    run: (body, { metadata, deadlineMs }) => {
      const model = header(metadata, MODEL_HEADER);
      if (!model) throw invalid(`a relayed call needs the ${MODEL_HEADER} metadata`);
      const version = header(metadata, VERSION_HEADER);
      return inferRest(
        handler,
        {
          model,
          ...(version !== undefined && { version }),
          ...(deadlineMs !== undefined && { deadlineMs }),
        },
        body,
      );
    },
  };
}
