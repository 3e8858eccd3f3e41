import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Runs the command as a process, as a benchmark harness would: a small file in, scores out.
const root = join(__dirname, '../..');
const script = join(__dirname, 'score-csv.ts');

function run(args: string[], input?: string) {
  return spawnSync(process.execPath, ['-r', '@swc-node/register', script, ...args], {
    cwd: root,
    input,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
}

describe('score-csv', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'score-csv-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Two days of 5-minute points in NAB's format, with one spike near the end. */
  function nabFile(): { text: string; spikeRow: number } {
    const start = Date.UTC(2014, 3, 1);
    const lines = ['timestamp,value'];
    const spikeRow = 500;
    for (let i = 0; i < 576; i++) {
      const ts = new Date(start + i * 300_000).toISOString().replace('T', ' ').slice(0, 19);
      const value = 50 + 5 * Math.sin(i / 7) + (i === spikeRow ? 60 : 0);
      lines.push(`${ts},${value.toFixed(3)}`);
    }
    return { text: `${lines.join('\n')}\n`, spikeRow };
  }

  it('writes timestamp,value,anomaly_score for every row, scores in [0, 1], timestamps as read', () => {
    const { text, spikeRow } = nabFile();
    const input = join(dir, 'in.csv');
    const output = join(dir, 'out.csv');
    writeFileSync(input, text);
    const result = run(['--input', input, '--output', output]);
    expect(result.status).toBe(0);
    const inLines = text.trim().split('\n');
    const outLines = readFileSync(output, 'utf8').trim().split('\n');
    expect(outLines[0]).toBe('timestamp,value,anomaly_score');
    expect(outLines).toHaveLength(inLines.length);
    const scores = outLines.slice(1).map((line, k) => {
      const [ts, value, score] = line.split(',');
      expect(`${ts},${value}`).toBe(inLines[k + 1]);
      return Number(score);
    });
    expect(scores.every((s) => s >= 0 && s <= 1)).toBe(true);
    expect(scores[spikeRow]).toBe(Math.max(...scores));
    expect(scores[spikeRow]).toBeGreaterThan(0.3);
  });

  it('reads stdin and writes stdout, with either detector', () => {
    const { text } = nabFile();
    for (const detector of ['keelson', 'zscore']) {
      const result = run(['--detector', detector], text);
      expect(result.status).toBe(0);
      expect(result.stdout.split('\n')[0]).toBe('timestamp,value,anomaly_score');
      expect(result.stdout.trim().split('\n')).toHaveLength(577);
    }
  });

  it('rejects a malformed row with exit code 2, naming the line, and leaves no output file', () => {
    const output = join(dir, 'bad.csv');
    const input = join(dir, 'bad-in.csv');
    writeFileSync(input, 'timestamp,value\n2014-04-01 00:00:00,1\n2014-04-01 00:05:00,oops\n');
    const result = run(['--input', input, '--output', output]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('line 3: "oops" is not a number');
    expect(existsSync(output)).toBe(false);
  });

  it('rejects a bad command line with exit code 1 and the usage', () => {
    const result = run(['--detector', 'magic'], '');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('usage: score-csv.ts');
  });
});
