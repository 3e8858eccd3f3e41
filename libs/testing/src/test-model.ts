import { createHash } from 'node:crypto';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import type { JetStreamClient } from '@nats-io/jetstream';
import {
  createRandom,
  exportOnnx,
  fitTransform,
  statsOf,
  type Network,
  type TransformSpec,
} from '@keelson/ml';
import { encodeBucketValue, ModelPointersValue } from '@keelson/schemas';
import { CHURN_SCHEMA, churnRecords } from './labelled-dataset';

/** The churn transform, fitted on a fixed sample: the raw inputs test models take. */
export function churnSpec(): TransformSpec {
  return fitTransform(
    { name: 'churn', version: 1, ...CHURN_SCHEMA },
    statsOf(CHURN_SCHEMA, churnRecords(500, 1)),
    1,
  );
}

/** A small MLP with seeded random weights over the churn features. */
export function randomNetwork(inputs: number, seed: number, hidden = 8): Network {
  const random = createRandom(seed);
  const layer = (i: number, o: number, activation: 'relu' | 'sigmoid') => ({
    inputs: i,
    outputs: o,
    weights: Float64Array.from({ length: i * o }, () => random.normal() * 0.5),
    bias: Float64Array.from({ length: o }, () => random.normal() * 0.1),
    activation,
  });
  return { layers: [layer(inputs, hidden, 'relu'), layer(hidden, 1, 'sigmoid')] };
}

/**
 * Puts an exported churn model in the registry's object store and points the `models` bucket at
 * it, as the training service's registry would: what prediction nodes load, without training.
 */
export async function publishTestModel(
  js: JetStreamClient,
  model: string,
  pointers: { production?: number; canary?: number; canaryWeight?: number },
  seedOf: (version: number) => number = (v) => v,
): Promise<Record<string, string>> {
  const spec = churnSpec();
  const store = await new Objm(js).create('model-artifacts', { storage: 'file' } as never);
  const artifacts: Record<string, string> = {};
  for (const version of [pointers.production, pointers.canary]) {
    if (version === undefined) continue;
    const onnx = exportOnnx(spec, randomNetwork(spec.featureNames.length, seedOf(version)), {
      model,
    });
    const sha256 = createHash('sha256').update(onnx).digest('hex');
    if (!(await store.info(`sha256-${sha256}`)))
      await store.putBlob({ name: `sha256-${sha256}` }, onnx);
    artifacts[version] = sha256;
  }
  const kv = await new Kvm(js).open('models');
  await kv.put(
    model,
    encodeBucketValue(ModelPointersValue, {
      ...pointers,
      history: [],
      artifacts,
      updatedAt: new Date().toISOString(),
    }),
  );
  return artifacts;
}

/** Raw churn rows as OIP v2 JSON inputs: one [N,1] tensor per field (missing: NaN and ''). */
export function churnInputsOf(
  rows: ReadonlyArray<{ tenure: number | null; spend: number; plan: string | null }>,
) {
  return [
    {
      name: 'tenure',
      datatype: 'FP64',
      shape: [rows.length, 1],
      data: rows.map((r) => r.tenure ?? 'NaN'),
    },
    { name: 'spend', datatype: 'FP64', shape: [rows.length, 1], data: rows.map((r) => r.spend) },
    {
      name: 'plan',
      datatype: 'BYTES',
      shape: [rows.length, 1],
      data: rows.map((r) => r.plan ?? ''),
    },
  ];
}

/** `count` varied churn rows (starting at `seed`) as OIP v2 JSON inputs. */
export function churnInputs(count = 1, seed = 0) {
  return churnInputsOf(
    Array.from({ length: count }, (_, i) => {
      const r = i + seed;
      return { tenure: (r % 48) + 0.5, spend: (r % 7) * 10, plan: ['basic', 'pro', 'team'][r % 3] };
    }),
  );
}
