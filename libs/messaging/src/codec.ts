const encoder = new TextEncoder();
const decoder = new TextDecoder();

export const encodeJson = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** Parses a payload; a payload that is not JSON is reported, never thrown into the caller's loop. */
export function decodeJson(
  data: Uint8Array,
): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(decoder.decode(data)) };
  } catch (e) {
    return { ok: false, error: `payload is not JSON: ${(e as Error).message}` };
  }
}
