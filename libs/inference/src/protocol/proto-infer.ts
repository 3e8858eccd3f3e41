/**
 * A `ModelInfer` call whose protobuf bytes are relayed rather than decoded: the gateway reads just
 * the model and version a gRPC client named (two top-level fields) and passes the rest on, so a
 * relay pays for routing, not for decoding and re-encoding every tensor. The node's REST port
 * takes the same bytes as `Content-Type: application/x-protobuf`, so the gateway's HTTP transport
 * can relay them too.
 */
import { invalid } from './errors';
import { selectOutputs, type InferenceHandler, type ProtoInferCall } from './inference-handler';
import { modelInferResponseMessage, parseModelInferRequest } from './grpc-codec';
import type { ModelInferRequestMessage, ModelInferResponseMessage } from './grpc-messages';
import { inferenceServiceDefinition } from './inference-service';

/** The Content-Type of a REST inference body that is a protobuf `ModelInferRequest`. */
export const PROTOBUF_MEDIA_TYPE = 'application/x-protobuf';

/** True when a Content-Type header names {@link PROTOBUF_MEDIA_TYPE} (parameters ignored). */
export const isProtobufMediaType = (contentType: string | undefined): boolean =>
  contentType !== undefined &&
  contentType.split(';')[0].trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;

/** ModelInferRequest and ModelInferResponse alike: field 1 is the model's name, 2 its version. */
const NAME_FIELD = 1;
const VERSION_FIELD = 2;
const LENGTH_DELIMITED = 2;

export interface ProtoTarget {
  model: string;
  /** Absent when the message names none (or names the empty string, proto3's default). */
  version?: string;
}

/**
 * The model and version a ModelInferRequest (or ModelInferResponse) names, read from its
 * top-level fields without decoding the rest; as in any protobuf parser, the last occurrence of a
 * field wins. Bytes that are not a well-formed message throw.
 */
export function scanProtoTarget(bytes: Uint8Array): ProtoTarget {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let model = '';
  let version = '';
  let at = 0;
  const varint = (): number => {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      if (at >= view.length) throw new Error('truncated varint');
      const byte = view[at++];
      // Lengths and tags fit in 2^53; higher bits of an unused varint value are skipped unread.
      if (shift < 49) value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    throw new Error('varint longer than 10 bytes');
  };
  const skip = (count: number) => {
    if (at + count > view.length) throw new Error('truncated field');
    at += count;
  };
  while (at < view.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0) throw new Error('field number 0');
    if (wireType === 0) varint();
    else if (wireType === 1) skip(8);
    else if (wireType === 5) skip(4);
    else if (wireType === LENGTH_DELIMITED) {
      const length = varint();
      const start = at;
      skip(length);
      if (field === NAME_FIELD) model = view.toString('utf8', start, at);
      else if (field === VERSION_FIELD) version = view.toString('utf8', start, at);
    } else throw new Error(`wire type ${wireType} is not used by the protocol`);
  }
  return version === '' ? { model } : { model, version };
}

/**
 * The message with its version set to `version`: a version field appended, which a protobuf
 * parser takes over any earlier one. What the gateway does to send a call to the version it chose.
 */
export function withProtoVersion(bytes: Uint8Array, version: string): Buffer {
  const value = Buffer.from(version, 'utf8');
  const length: number[] = [];
  for (let n = value.length; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      length.push(n);
      break;
    }
    length.push((n % 128) | 0x80);
  }
  const tag = (VERSION_FIELD << 3) | LENGTH_DELIMITED;
  return Buffer.concat([bytes, Buffer.from([tag, ...length]), value]);
}

/**
 * A ModelInferRequest's bytes decoded; bytes that are not one are the client's mistake. The scan
 * first, because protobufjs reads a truncated top-level string as far as the bytes go.
 */
function decodeModelInferRequest(bytes: Uint8Array): ModelInferRequestMessage {
  try {
    scanProtoTarget(bytes);
    return inferenceServiceDefinition().ModelInfer.requestDeserialize(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    ) as ModelInferRequestMessage;
  } catch (error) {
    throw invalid(`the request body is not a ModelInferRequest: ${(error as Error).message}`);
  }
}

/**
 * The answer to a decoded ModelInferRequest, what a server owes whatever carried the call: `at`'s
 * model and version win over the message's (a REST path names them), the id is echoed and just
 * the requested outputs are returned, as the spec asks.
 */
export async function answerModelInfer(
  handler: Pick<InferenceHandler, 'infer'>,
  message: ModelInferRequestMessage,
  at: { model?: string; version?: string; deadlineMs?: number } = {},
): Promise<ModelInferResponseMessage> {
  const { raw, ...request } = parseModelInferRequest(
    at.model === undefined ? message : { ...message, model_name: at.model },
  );
  const version = at.version ?? request.version;
  const response = await handler.infer({
    ...request,
    ...(version !== undefined && { version }),
    ...(at.deadlineMs !== undefined && { deadlineMs: at.deadlineMs }),
  });
  const outputs = selectOutputs(response.outputs, request.outputs);
  return modelInferResponseMessage({ ...response, id: request.id, outputs }, raw);
}

/**
 * A protobuf inference call (the node's REST port with {@link PROTOBUF_MEDIA_TYPE}) answered with
 * the bytes of a ModelInferResponse: relayed undecoded when the handler relays (`inferProtoBody`),
 * decoded, inferred and encoded otherwise.
 */
export async function inferProto(
  handler: Pick<InferenceHandler, 'infer' | 'inferProtoBody'>,
  at: Omit<ProtoInferCall, 'body'>,
  body: Uint8Array,
): Promise<Uint8Array> {
  if (handler.inferProtoBody) return handler.inferProtoBody({ ...at, body });
  const answer = await answerModelInfer(handler, decodeModelInferRequest(body), at);
  return inferenceServiceDefinition().ModelInfer.responseSerialize(answer) as Buffer;
}
