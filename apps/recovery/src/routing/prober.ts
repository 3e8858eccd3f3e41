import type { NodeRegistration } from '@keelson/schemas';

interface Readiness {
  status?: string;
  routing?: string;
  models?: Array<{ name: string; version: number; ready: boolean }>;
  failed?: Record<string, string>;
}

interface TensorMeta {
  name: string;
  datatype: string;
  shape: number[];
}

/** One tensor of a probe request: the model's declared shape (any size -1 made 1), zeros. */
function probeInput(meta: TensorMeta) {
  const shape = meta.shape.map((d) => (d < 0 ? 1 : d));
  const count = shape.reduce((n, d) => n * d, 1);
  const value = meta.datatype === 'BYTES' ? '' : meta.datatype === 'BOOL' ? false : 0;
  return { name: meta.name, datatype: meta.datatype, shape, data: Array(count).fill(value) };
}

/**
 * Re-admission is earned: a node's readiness (everything loaded, nothing failed; an `ejected`
 * node reports itself not ready only because of that) and one real inference per loaded model
 * version, built from the version's own metadata. A node can answer health 200 while every
 * inference fails; this is what catches it.
 */
export class Prober {
  constructor(
    private readonly timeoutMs: number,
    private readonly headers: Record<string, string> = {},
  ) {}

  async probe(node: NodeRegistration): Promise<{ ok: boolean; detail: string }> {
    try {
      const base = node.addresses.http.replace(/\/$/, '');
      const readiness = await this.get<Readiness>(`${base}/health/ready`, [200, 503]);
      const loaded = readiness.models ?? [];
      const failed = Object.keys(readiness.failed ?? {});
      if (failed.length > 0) return { ok: false, detail: `failed to load ${failed.join(', ')}` };
      const waiting = loaded.filter((m) => !m.ready);
      if (waiting.length > 0)
        return {
          ok: false,
          detail: `still loading ${waiting.map((m) => `${m.name}@${m.version}`).join(', ')}`,
        };
      if (
        readiness.status !== 'ready' &&
        !['ejected', 'probation', 'drained'].includes(readiness.routing ?? '')
      )
        return { ok: false, detail: `not ready (${readiness.status})` };
      for (const m of loaded) {
        const path = `${base}/v2/models/${encodeURIComponent(m.name)}/versions/${m.version}`;
        const meta = await this.get<{ inputs: TensorMeta[] }>(path, [200]);
        const answer = await this.request(`${path}/infer`, 'POST', {
          id: 'recovery-probe',
          inputs: meta.inputs.map(probeInput),
        });
        if (answer.status !== 200)
          return {
            ok: false,
            detail: `${m.name}@${m.version} inference: HTTP ${answer.status} ${answer.text.slice(0, 200)}`,
          };
      }
      return { ok: true, detail: `ready; ${loaded.length} version(s) answered a real inference` };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }

  private async get<T>(url: string, accept: number[]): Promise<T> {
    const answer = await this.request(url, 'GET');
    if (!accept.includes(answer.status)) throw new Error(`${url}: HTTP ${answer.status}`);
    return JSON.parse(answer.text) as T;
  }

  private async request(url: string, method: string, body?: unknown) {
    const response = await fetch(url, {
      method,
      headers: {
        ...this.headers,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    return { status: response.status, text: await response.text() };
  }
}
