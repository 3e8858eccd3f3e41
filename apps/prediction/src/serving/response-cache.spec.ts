import type { InferRequest, Tensor } from '@keelson/inference';
import { ResponseCache, type CacheEvents } from './response-cache';

const v1 = { model: 'churn', version: 1, sha256: 'a'.repeat(64) };
const request = (x: number, extra: Partial<InferRequest> = {}): InferRequest => ({
  model: 'churn',
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [1, 1], data: Float32Array.from([x]) },
    { name: 'plan', datatype: 'BYTES', shape: [1, 1], data: ['pro'] },
  ],
  ...extra,
});
const answer = (p: number): Tensor[] => [
  { name: 'p', datatype: 'FP32', shape: [1, 1], data: Float32Array.from([p]) },
];

function recorder() {
  const seen = { hits: 0, misses: 0, evicted: 0, bytes: 0, entries: 0 };
  const events: CacheEvents = {
    hit: () => seen.hits++,
    miss: () => seen.misses++,
    evicted: (n) => (seen.evicted += n),
    size: (bytes, entries) => Object.assign(seen, { bytes, entries }),
  };
  return { seen, events };
}

describe('the response cache', () => {
  it('answers an identical request from memory, and only an identical one', () => {
    const { seen, events } = recorder();
    const cache = new ResponseCache(1 << 20, ['churn'], events);
    const key = cache.key(v1, request(1))!;
    expect(cache.get(key, 'churn')).toBeUndefined();
    cache.set(key, 'churn', answer(0.25));
    expect(cache.get(cache.key(v1, request(1))!, 'churn')).toEqual(answer(0.25));
    expect(seen).toMatchObject({ hits: 1, misses: 1, entries: 1 });

    const differs = [
      cache.key(v1, request(2)),
      cache.key({ ...v1, version: 2 }, request(1)),
      cache.key({ ...v1, sha256: 'b'.repeat(64) }, request(1)),
      cache.key(v1, request(1, { outputs: [{ name: 'p' }] })),
      cache.key(v1, request(1, { parameters: { binary_data_output: true } })),
      cache.key(v1, { ...request(1), inputs: [{ ...request(1).inputs[0], shape: [1] }] }),
      cache.key(v1, { ...request(1), inputs: [request(1).inputs[0]] }),
    ];
    expect(new Set([key, ...differs]).size).toBe(differs.length + 1);
    // The request id is echoed, not part of the answer: it does not split the cache.
    expect(cache.key(v1, request(1, { id: 'abc' }))).toBe(key);
  });

  it('caches only the models it is given (or every model with *), and nothing when sized 0', () => {
    expect(new ResponseCache(1 << 20, ['other']).key(v1, request(1))).toBeUndefined();
    expect(new ResponseCache(1 << 20, ['*']).key(v1, request(1))).toBeDefined();
    expect(new ResponseCache(0, ['*']).key(v1, request(1))).toBeUndefined();
  });

  it('stays within its bytes, the least recently used out first', () => {
    const { seen, events } = recorder();
    const cache = new ResponseCache(1_400, ['*'], events);
    const keys = [1, 2, 3, 4].map((x) => cache.key(v1, request(x))!);
    cache.set(keys[0], 'churn', answer(1));
    cache.set(keys[1], 'churn', answer(2));
    cache.set(keys[2], 'churn', answer(3));
    cache.get(keys[0], 'churn'); // used: the oldest is now the second
    cache.set(keys[3], 'churn', answer(4));
    expect(cache.size.bytes).toBeLessThanOrEqual(1_400);
    expect(seen.evicted).toBeGreaterThan(0);
    expect(cache.get(keys[1], 'churn')).toBeUndefined();
    expect(cache.get(keys[0], 'churn')).toEqual(answer(1));
    expect(cache.get(keys[3], 'churn')).toEqual(answer(4));
  });

  it('keeps its own copy of an answer that is a view into a larger buffer', () => {
    const cache = new ResponseCache(1 << 20, ['*']);
    const batch = new Float32Array(10_000);
    batch[7] = 0.5;
    const key = cache.key(v1, request(1))!;
    cache.set(key, 'churn', [
      { name: 'p', datatype: 'FP32', shape: [1, 1], data: batch.subarray(7, 8) },
    ]);
    batch[7] = 0.9; // the batch buffer is reused
    const [p] = cache.get(key, 'churn')!;
    expect(Array.from(p.data as Float32Array)).toEqual([0.5]);
    expect((p.data as Float32Array).buffer.byteLength).toBe(4);
  });

  it('drops every answer of a model when its pointers change', () => {
    const cache = new ResponseCache(1 << 20, ['*']);
    const other = { ...v1, model: 'fraud' };
    cache.set(cache.key(v1, request(1))!, 'churn', answer(1));
    cache.set(cache.key({ ...v1, version: 2 }, request(1))!, 'churn', answer(2));
    cache.set(cache.key(other, request(1))!, 'fraud', answer(3));
    cache.drop('churn');
    expect(cache.size.entries).toBe(1);
    expect(cache.get(cache.key(other, request(1))!, 'fraud')).toEqual(answer(3));
  });
});
