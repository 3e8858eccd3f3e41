// Requests a training job and follows it to the end with a progress bar:
//   node -r @swc-node/register tools/demo/train.ts --dataset credit --model credit \
//     --algorithm mlp --hidden 32 --epochs 30 --key-file .keelson/admin-key
// Or follows an existing job: --job <id>. Exits 1 if the job fails.
import { readFileSync } from 'node:fs';
import { choiceOption, intOption, parseCli, UsageError } from './cli-args';

interface Job {
  _id: string;
  model: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  attempts: number;
  progress?: { epoch: number; epochs: number; trainLoss: number; validationLoss?: number };
  result?: { version: number; metrics: Record<string, number>; promoted: boolean };
  error?: string;
}

const args = parseCli(process.argv.slice(2), {
  url: { type: 'string' },
  'key-file': { type: 'string' },
  key: { type: 'string' },
  job: { type: 'string' },
  dataset: { type: 'string' },
  model: { type: 'string' },
  algorithm: { type: 'string' },
  hidden: { type: 'string' },
  epochs: { type: 'string' },
  'timeout-s': { type: 'string' },
});
const url = args.url ?? `http://127.0.0.1:${process.env.TRAINING_HTTP_PORT ?? 8083}`;
const key = args['key-file']
  ? readFileSync(args['key-file'], 'utf8').trim()
  : (args.key ?? process.env.KEELSON_API_KEY ?? '');
const out = process.stderr;

async function api(method: string, path: string, body?: unknown): Promise<Job> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const parsed = (await response.json()) as Job & { error?: string; details?: unknown };
  if (!response.ok)
    throw new Error(
      `${method} ${path}: ${response.status} ${parsed.error ?? ''} ${JSON.stringify(parsed.details ?? '')}`,
    );
  return parsed;
}

function line(job: Job): string {
  const p = job.progress;
  if (!p) return `${job.status}${job.attempts > 1 ? ` (attempt ${job.attempts})` : ''}`;
  const width = 30;
  const filled = Math.round((p.epoch / p.epochs) * width);
  const losses = `loss ${p.trainLoss.toFixed(4)}${p.validationLoss !== undefined ? ` val ${p.validationLoss.toFixed(4)}` : ''}`;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] epoch ${p.epoch}/${p.epochs}  ${losses}`;
}

async function main() {
  if (!key) throw new UsageError('give --key-file, --key or KEELSON_API_KEY');
  let job: Job;
  if (args.job) job = await api('GET', `/v1/training-jobs/${args.job}`);
  else {
    if (!args.dataset || !args.model)
      throw new UsageError('--dataset and --model are required (or --job)');
    const algorithm = choiceOption(args.algorithm, 'algorithm', ['logistic', 'mlp'], 'mlp');
    const hyperparameters: Record<string, unknown> = {};
    if (args.hidden)
      hyperparameters.hidden = args.hidden
        .split(',')
        .map((h) => intOption(h, 'hidden', 0, 1, 1024));
    if (args.epochs) hyperparameters.epochs = intOption(args.epochs, 'epochs', 0, 1, 1000);
    job = await api('POST', '/v1/training-jobs', {
      model: args.model,
      dataset: args.dataset,
      algorithm,
      hyperparameters,
    });
    out.write(`job ${job._id} queued: ${algorithm} ${args.model} on ${args.dataset}\n`);
  }
  const deadline = Date.now() + intOption(args['timeout-s'], 'timeout-s', 1_800, 1, 86_400) * 1000;
  let last = '';
  while (job.status === 'queued' || job.status === 'running') {
    const text = line(job);
    if (text !== last) {
      // A terminal gets one redrawn line; a log gets a line per change.
      out.write(out.isTTY ? `\r${text.padEnd(100)}` : `${text}\n`);
      last = text;
    }
    if (Date.now() > deadline)
      throw new Error(`job ${job._id} still ${job.status} at the deadline`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    job = await api('GET', `/v1/training-jobs/${job._id}`);
  }
  if (out.isTTY) out.write(`\r${line(job).padEnd(100)}\n`);
  if (job.status === 'failed')
    throw new Error(`job ${job._id} failed after ${job.attempts} attempt(s): ${job.error}`);
  const r = job.result!;
  const metrics = Object.entries(r.metrics)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(', ');
  process.stdout.write(
    `${job.model} version ${r.version} ${r.promoted ? 'promoted to production' : 'registered (not promoted)'}; holdout ${metrics}\n`,
  );
}

main().catch((error: Error) => {
  out.write(`${error instanceof UsageError ? 'usage: ' : ''}${error.message}\n`);
  process.exit(1);
});
