import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

export interface TsProcess {
  child: ChildProcess;
  /** Everything the process printed to stdout so far. */
  output(): string;
  /** Everything the process printed to stderr so far. */
  errors(): string;
  /** Resolves once stdout contains `text`; rejects if the process exits first or the deadline passes. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Runs a file as a real Node process, for crash tests: a `.ts` file compiled on the fly by SWC, a
 * `.js` file (a service built into dist/ by tools/build/build.sh) as it is.
 */
export function runTsProcess(file: string, env: Record<string, string> = {}): TsProcess {
  const loader = file.endsWith('.ts') ? ['-r', '@swc-node/register'] : [];
  const app = /apps\/([^/]+)\/src\/main\.[jt]s$/.exec(file)?.[1];
  const child = spawn(process.execPath, [...loader, ...(app ? appNodeFlags(app) : []), file], {
    cwd: root,
    env: { ...process.env, SWC_NODE_PROJECT: join(root, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += String(d)));
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  return {
    child,
    output: () => stdout,
    errors: () => stderr,
    waitForOutput(text, timeoutMs = 30_000) {
      const seen = () => (typeof text === 'string' ? stdout.includes(text) : text.test(stdout));
      return new Promise((resolve, reject) => {
        const fail = (why: string) =>
          reject(
            new Error(
              `${file}: ${why} before printing ${text}\nstdout: ${stdout}\nstderr: ${stderr}`,
            ),
          );
        const timer = setTimeout(() => fail(`no output within ${timeoutMs} ms`), timeoutMs);
        const check = () => {
          if (!seen()) return;
          cleanup();
          resolve();
        };
        const onExit = () => {
          cleanup();
          if (seen()) resolve();
          else fail(`exited with ${child.exitCode ?? child.signalCode}`);
        };
        const cleanup = () => {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          child.off('exit', onExit);
        };
        child.stdout!.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/**
 * The V8 flags an app is deployed with (`apps/<app>/node-flags`, one line; see
 * tools/services/services.sh), so tests and benchmarks run it as deployed.
 */
export function appNodeFlags(app: string): string[] {
  const file = join(root, 'apps', app, 'node-flags');
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean) : [];
}

/**
 * A prediction node as its own process (apps/prediction, compiled on the fly), on free ports,
 * serving only `models`, without tracing or prediction samples unless `env` says otherwise. It
 * registers its addresses in the `nodes` bucket once its models are warm.
 */
export function runPredictionNode(
  nodeId: string,
  models: string[],
  env: Record<string, string> = {},
): TsProcess {
  return runTsProcess(join(root, 'apps/prediction/src/main.ts'), {
    NODE_ID: nodeId,
    PREDICTION_MODELS: models.join(','),
    PREDICTION_HTTP_PORT: '0',
    PREDICTION_GRPC_PORT: '0',
    PREDICTION_SAMPLE_RATE: '0',
    KEELSON_TRACING: 'false',
    LOG_LEVEL: 'warn',
    ...env,
  });
}
