import { execFile } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '../../..');

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `file` to its end (or `timeoutMs`), whatever its exit status, without blocking the event
 * loop (a server under test may answer from this process).
 */
export const runCommand = (file: string, args: string[], timeoutMs: number) =>
  new Promise<CommandResult>((resolve) =>
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) =>
        resolve({
          code: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
          stdout,
          stderr,
        }),
    ),
  );

/**
 * The Python that has NVIDIA's tritonclient, set up by tools/test/ensure-tritonclient.sh (a venv
 * from PyPI on first use). Throws when that is impossible: a conformance test fails, never skips.
 */
export async function tritonPython(): Promise<string> {
  const ensured = await runCommand(
    'bash',
    [join(root, 'tools/test/ensure-tritonclient.sh')],
    540_000,
  );
  if (ensured.code !== 0)
    throw new Error(`Python with tritonclient could not be set up:\n${ensured.stderr}`);
  return ensured.stdout.trim().split('\n').at(-1)!;
}

export interface ConformanceLine {
  protocol?: string;
  check?: string;
  ok?: boolean;
  detail?: unknown;
  passed?: number;
  failed?: number;
}

/**
 * tools/test/triton_conformance.py against a server (a node or the gateway) that serves the
 * churn test model as version 1: tritonclient's HTTP and gRPC clients, with `token` as the bearer
 * credential. One line per check, the summary last.
 */
export async function tritonConformance(
  python: string,
  target: { rest: string; grpc: string; model: string; token: string },
): Promise<{ code: number; lines: ConformanceLine[]; stderr: string }> {
  const result = await runCommand(
    python,
    [
      join(root, 'tools/test/triton_conformance.py'),
      '--rest',
      target.rest,
      '--grpc',
      target.grpc,
      '--model',
      target.model,
      '--token',
      target.token,
    ],
    120_000,
  );
  const lines = result.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ConformanceLine);
  return { code: result.code, lines, stderr: result.stderr };
}
