// The demo behind `./keelson up`: a development admin key, the `credit` dataset registered, a
// synthetic sample streamed through ingestion, a wait until preprocessing has stored its feature
// rows, then a model trained, registered and promoted. Idempotent: a second run re-sends the same
// sample (duplicates) and trains a new version, promoted only if it beats production.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CREDIT_SCHEMA, generateCredit } from '@keelson/sample-data';

const root = join(__dirname, '../..');
const state = join(root, '.keelson');
const ingestion = `http://127.0.0.1:${process.env.INGESTION_HTTP_PORT ?? 8082}`;
const preprocessing = `http://127.0.0.1:${process.env.PREPROCESSING_HTTP_PORT ?? 8086}`;
const training = `http://127.0.0.1:${process.env.TRAINING_HTTP_PORT ?? 8083}`;
const prediction = `http://127.0.0.1:${process.env.PREDICTION_HTTP_PORT ?? 8100}`;
const gateway = `http://127.0.0.1:${process.env.GATEWAY_HTTP_PORT ?? 8080}`;
const rows = Number(process.env.KEELSON_DEMO_ROWS ?? 5_000);
const say = (line: string) => process.stderr.write(`[demo] ${line}\n`);

function node(script: string, args: string[]): string {
  return execFileSync(process.execPath, ['-r', '@swc-node/register', join(root, script), ...args], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function main() {
  mkdirSync(join(state, 'demo'), { recursive: true });
  const keyFile = join(state, 'admin-key');
  say(
    node('apps/ingestion/src/cli/create-api-key.ts', [
      '--name',
      'dev-admin',
      '--scopes',
      'admin',
      '--out',
      keyFile,
    ]).trim(),
  );
  const key = readFileSync(keyFile, 'utf8').trim();

  const put = await fetch(`${ingestion}/v1/datasets/credit`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(CREDIT_SCHEMA),
  });
  const registered = (await put.json()) as {
    status?: string;
    error?: string;
    dataset?: { version: number };
  };
  if (!put.ok) throw new Error(`registering the credit dataset failed: ${registered.error}`);
  say(`dataset credit: ${registered.status} (schema version ${registered.dataset?.version})`);

  const sample = join(state, 'demo', `credit-${rows}.csv`);
  if (!existsSync(sample))
    node('tools/demo/generate-credit.ts', [
      '--rows',
      String(rows),
      '--seed',
      '42',
      '--format',
      'csv',
      '--out',
      sample,
    ]);
  say(`streaming ${rows} synthetic credit records from ${sample}`);
  process.stdout.write(
    node('tools/demo/produce.ts', [
      '--file',
      sample,
      '--dataset',
      'credit',
      '--key-file',
      keyFile,
      '--url',
      ingestion,
    ]),
  );

  const deadline = Date.now() + 120_000;
  for (;;) {
    const view = (await fetch(`${preprocessing}/v1/datasets/credit/features`, {
      headers: { authorization: `Bearer ${key}` },
    }).then(
      (r) => (r.ok ? r.json() : undefined),
      () => undefined,
    )) as
      { featureRows: number; transform: { version: number; featureNames: string[] } } | undefined;
    if (view && view.featureRows >= rows) {
      say(
        `preprocessing stored ${view.featureRows} feature rows; transform version ${view.transform.version} with ${view.transform.featureNames.length} features`,
      );
      say(
        `see them: curl -H "Authorization: Bearer $(cat .keelson/admin-key)" ${preprocessing}/v1/datasets/credit/features`,
      );
      break;
    }
    if (Date.now() > deadline)
      throw new Error(
        `only ${view?.featureRows ?? 0} of ${rows} feature rows after 2 minutes; see .keelson/logs/preprocessing.log`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  say('training the credit model (an MLP with one hidden layer of 32) on those records');
  process.stdout.write(
    node('tools/demo/train.ts', [
      '--dataset',
      'credit',
      '--model',
      'credit',
      '--algorithm',
      'mlp',
      '--hidden',
      '32',
      '--key-file',
      keyFile,
      '--url',
      training,
    ]),
  );
  say(
    `the registry: curl -H "Authorization: Bearer $(cat .keelson/admin-key)" ${training}/v1/models/credit`,
  );
  await askForPredictions(readFileSync(keyFile, 'utf8').trim());
}

/** Raw records straight from the generator, answered via the gateway: the transform is in the graph. */
async function askForPredictions(key: string): Promise<void> {
  const auth = { authorization: `Bearer ${key}` };
  const deadline = Date.now() + 60_000;
  // Through the front door: the gateway routes once a node reports the model ready.
  while (
    (await fetch(`${gateway}/v2/models/credit/ready`, { headers: auth }).then(
      (r) => r.status,
      () => 0,
    )) !== 200
  ) {
    if (Date.now() > deadline)
      throw new Error('no node behind the gateway served the credit model within a minute');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const meta = (await (await fetch(`${gateway}/v2/models/credit`, { headers: auth })).json()) as {
    inputs: Array<{ name: string; datatype: string }>;
  };
  const records = [...generateCredit({ seed: 2026, rows: 3 })].map(
    (r) => r.record as unknown as Record<string, unknown>,
  );
  const inputs = meta.inputs.map(({ name, datatype }) => ({
    name,
    datatype,
    shape: [records.length, 1],
    data: records.map((r) =>
      datatype === 'BYTES' ? String(r[name] ?? '') : typeof r[name] === 'number' ? r[name] : 'NaN',
    ),
  }));
  const answer = (await (
    await fetch(`${gateway}/v2/models/credit/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ id: 'demo', inputs }),
    })
  ).json()) as { model_version: string; outputs: Array<{ name: string; data: number[] }> };
  const p = answer.outputs.find((o) => o.name === 'probabilities')!.data;
  records.forEach((r, i) =>
    say(
      `credit v${answer.model_version} on ${JSON.stringify(r)}: P(default) = ${p[2 * i + 1].toFixed(3)}`,
    ),
  );
  say(
    `ask it yourself: POST ${gateway}/v2/models/credit/infer with the key (KServe Open Inference Protocol v2; gRPC on 8081); a node at ${prediction} answers only the gateway and recovery (its token is in .keelson/node-token)`,
  );
}

main().catch((error: Error) => {
  say(`failed: ${error.message}`);
  process.exit(1);
});
