// Requests a training job and follows it to the end with a progress bar:
//   node -r @swc-node/register tools/demo/train.ts --dataset credit --model credit \
//     --algorithm mlp --hidden 32 --epochs 30 --key-file .keelson/admin-key
// Or follows an existing job: --job <id>. Exits 1 if the job fails.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { integer, parseCommandLine, usageLine, UsageError } from './cli-args';
import { TerminalBar } from './progress';

interface Job {
  _id: string;
  model: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  attempts: number;
  progress?: { epoch: number; epochs: number; trainLoss: number; validationLoss?: number };
  result?: { version: number; metrics: Record<string, number>; promoted: boolean };
  error?: string;
}

/** Its options: `./keelson train` (tools/cli/program.ts) declares them too, to hand over. */
export function trainCommand(): Command {
  const layerSize = integer(1, 1024);
  return new Command('train.ts')
    .description('Requests a training job and follows it to the end; exits 1 if the job fails.')
    .usage(
      `(--dataset NAME --model NAME [--algorithm logistic|mlp] [--hidden 32,16] [--epochs 30]
  | --job ID) [--url http://127.0.0.1:8083] [--key KEY | --key-file FILE] [--timeout-s 1800]`,
    )
    .option('--dataset <name>', 'the dataset to train on')
    .option('--model <name>', 'the model to register the version under')
    .addOption(
      new Option('--algorithm <logistic|mlp>', 'the learner')
        .choices(['logistic', 'mlp'])
        .default('mlp'),
    )
    .addOption(
      new Option('--hidden <a,b>', 'MLP hidden layer sizes').argParser((value) =>
        value.split(',').map(layerSize),
      ),
    )
    .addOption(new Option('--epochs <n>', 'training epochs').argParser(integer(1, 1000)))
    .option('--job <id>', 'follow an existing job instead')
    .option('--url <url>', 'training (default: http://127.0.0.1:$TRAINING_HTTP_PORT or :8083)')
    .option('--key <key>', 'an API key with the train scope (default: $KEELSON_API_KEY)')
    .option('--key-file <path>', 'a file holding the key (wins over --key)')
    .addOption(
      new Option('--timeout-s <n>', 'how long to follow the job')
        .argParser(integer(1, 86_400))
        .default(1_800),
    );
}

export interface TrainOptions {
  url: string;
  key: string;
  job?: string;
  dataset?: string;
  model?: string;
  algorithm: 'logistic' | 'mlp';
  hidden?: number[];
  epochs?: number;
  timeoutS: number;
}

export function parseTrainArgs(argv: string[], env: NodeJS.ProcessEnv): TrainOptions {
  const { keyFile, ...args } = parseCommandLine<TrainOptions & { keyFile?: string }>(
    trainCommand(),
    argv,
  );
  const key = keyFile
    ? readFileSync(keyFile, 'utf8').trim()
    : (args.key ?? env.KEELSON_API_KEY ?? '');
  if (!key) throw new UsageError('give --key-file, --key or KEELSON_API_KEY');
  if (!args.job && (!args.dataset || !args.model))
    throw new UsageError('--dataset and --model are required (or --job)');
  return { ...args, url: args.url ?? `http://127.0.0.1:${env.TRAINING_HTTP_PORT ?? 8083}`, key };
}

const out = process.stderr;

function api(options: TrainOptions) {
  return async (method: string, path: string, body?: unknown): Promise<Job> => {
    const response = await fetch(`${options.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${options.key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const parsed = (await response.json()) as Job & { error?: string; details?: unknown };
    if (!response.ok)
      throw new Error(
        `${method} ${path}: ${response.status} ${parsed.error ?? ''} ${JSON.stringify(parsed.details ?? '')}`,
      );
    return parsed;
  };
}

function state(job: Job): string {
  return `${job.status}${job.attempts > 1 ? ` (attempt ${job.attempts})` : ''}`;
}

function losses(p: NonNullable<Job['progress']>): string {
  return `loss ${p.trainLoss.toFixed(4)}${p.validationLoss !== undefined ? ` val ${p.validationLoss.toFixed(4)}` : ''}`;
}

/** A log gets a line per change; a terminal gets the epochs as a bar, state changes above it. */
class JobView {
  private bar: TerminalBar | null = null;
  private last = '';

  show(job: Job): void {
    const p = job.progress;
    if (p && out.isTTY) {
      this.bar ??= new TerminalBar(out, {
        format: '[{bar}] epoch {value}/{total}  {losses}',
        barsize: 30,
        total: p.epochs,
        value: p.epoch,
        payload: { losses: losses(p) },
      });
      this.bar.update(p.epoch, { losses: losses(p) });
      return;
    }
    const text = p ? `epoch ${p.epoch}/${p.epochs}  ${losses(p)}` : state(job);
    if (text === this.last) return;
    this.last = text;
    if (this.bar) this.bar.log(text);
    else out.write(`${text}\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}

async function main(options: TrainOptions) {
  const call = api(options);
  let job: Job;
  if (options.job) job = await call('GET', `/v1/training-jobs/${options.job}`);
  else {
    const hyperparameters: Record<string, unknown> = {};
    if (options.hidden) hyperparameters.hidden = options.hidden;
    if (options.epochs) hyperparameters.epochs = options.epochs;
    job = await call('POST', '/v1/training-jobs', {
      model: options.model,
      dataset: options.dataset,
      algorithm: options.algorithm,
      hyperparameters,
    });
    out.write(
      `job ${job._id} queued: ${options.algorithm} ${options.model} on ${options.dataset}\n`,
    );
  }
  const deadline = Date.now() + options.timeoutS * 1000;
  const view = new JobView();
  try {
    while (job.status === 'queued' || job.status === 'running') {
      view.show(job);
      if (Date.now() > deadline)
        throw new Error(`job ${job._id} still ${job.status} at the deadline`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = await call('GET', `/v1/training-jobs/${job._id}`);
    }
    if (out.isTTY) view.show(job);
  } finally {
    view.stop();
  }
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

if (require.main === module) {
  Promise.resolve()
    .then(() => main(parseTrainArgs(process.argv.slice(2), process.env)))
    .catch((error: Error) => {
      out.write(`train: ${error.message}\n`);
      if (error instanceof UsageError) out.write(`${usageLine(trainCommand())}\n`);
      process.exit(1);
    });
}
