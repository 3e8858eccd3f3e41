export interface Call {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  headers: Headers;
  /** The response's bytes, for binary answers. */
  bytes: Uint8Array;
}

export interface CallOptions {
  /** The API key; `undefined` uses the client's default, `null` sends none. */
  key?: string | null;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (text such as NDJSON, or bytes). */
  raw?: string | Uint8Array;
  contentType?: string;
}

/** Calls a Keelson HTTP API with a Bearer key, parsing JSON answers when they are JSON. */
export function apiClient(baseUrl: () => string, defaultKey?: string) {
  return async function call(
    method: string,
    path: string,
    options: CallOptions = {},
  ): Promise<Call> {
    const headers: Record<string, string> = {};
    const key = options.key === undefined ? defaultKey : options.key;
    if (key) headers.authorization = `Bearer ${key}`;
    let body: string | Uint8Array | undefined;
    if (options.raw !== undefined || options.body !== undefined) {
      headers['content-type'] =
        options.contentType ??
        (options.raw instanceof Uint8Array ? 'application/octet-stream' : 'application/json');
      body = options.raw ?? JSON.stringify(options.body);
    }
    const response = await fetch(`${baseUrl()}${path}`, { method, headers, body });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const text = new TextDecoder().decode(bytes);
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text for the assertion message */
    }
    return { status: response.status, body: parsed, headers: response.headers, bytes };
  };
}
