import { Readable } from 'node:stream';
import { formatFromPath, readBatches, type Batch } from './read-records';
import { UsageError } from './cli-args';
import { parseProduceArgs } from './produce';

async function collect(text: string, format: 'csv' | 'ndjson', size: number): Promise<Batch[]> {
  const batches: Batch[] = [];
  // Small chunks, so lines straddle chunk boundaries as they do in a real file.
  const chunks = text.match(/[\s\S]{1,7}/g) ?? [];
  for await (const b of readBatches(Readable.from(chunks), format, size)) batches.push(b);
  return batches;
}

describe('readBatches', () => {
  it('groups CSV records into batches and accounts for every byte', async () => {
    const text = 'id,age\r\nc-1,30\r\nc-2,\r\n\r\nc-3,false\r\n';
    const batches = await collect(text, 'csv', 2);
    expect(batches.map((b) => b.records)).toEqual([
      [
        { id: 'c-1', age: 30 },
        { id: 'c-2', age: null },
      ],
      [{ id: 'c-3', age: false }],
    ]);
    expect(batches.map((b) => b.index)).toEqual([0, 1]);
    // readline drops the \r of \r\n; progress is an estimate, and is never over 100%.
    expect(batches.reduce((s, b) => s + b.bytes, 0)).toBeLessThanOrEqual(text.length);
  });

  it('reads NDJSON objects and skips blank lines', async () => {
    const batches = await collect('{"id":"a","x":null}\n\n{"id":"b","x":true}', 'ndjson', 10);
    expect(batches).toHaveLength(1);
    expect(batches[0].records).toEqual([
      { id: 'a', x: null },
      { id: 'b', x: true },
    ]);
  });

  it('names the line that is not a JSON object', async () => {
    await expect(collect('{"id":1}\n{oops\n', 'ndjson', 10)).rejects.toThrow(
      /^line 2: not valid JSON/,
    );
    await expect(collect('[1,2]\n', 'ndjson', 10)).rejects.toThrow(
      'line 1: expected a JSON object',
    );
  });

  it('yields nothing for a header-only CSV', async () => {
    expect(await collect('id,age\n', 'csv', 10)).toEqual([]);
  });
});

describe('formatFromPath', () => {
  it('knows .csv, .ndjson and .jsonl', () => {
    expect(formatFromPath('a/b.CSV')).toBe('csv');
    expect(formatFromPath('x.ndjson')).toBe('ndjson');
    expect(formatFromPath('x.jsonl')).toBe('ndjson');
    expect(() => formatFromPath('x.txt')).toThrow('cannot tell the format');
  });
});

describe('parseProduceArgs', () => {
  it('fills in the defaults', () => {
    expect(parseProduceArgs(['--file', 'd.csv', '--dataset', 'credit', '--key', 'k'], {})).toEqual({
      file: 'd.csv',
      dataset: 'credit',
      via: 'http',
      url: 'http://127.0.0.1:8082',
      key: 'k',
      nats: 'nats://127.0.0.1:4222',
      batch: 500,
      concurrency: 4,
      format: 'csv',
    });
  });

  it('needs a key for HTTP but not for NATS', () => {
    const base = ['--file', 'd.ndjson', '--dataset', 'credit'];
    expect(() => parseProduceArgs(base, {})).toThrow('needs --key');
    expect(parseProduceArgs(base, { KEELSON_API_KEY: 'env' }).key).toBe('env');
    expect(parseProduceArgs([...base, '--via', 'nats'], { NATS_URL: 'nats://n:1' })).toMatchObject({
      via: 'nats',
      nats: 'nats://n:1',
      format: 'ndjson',
    });
  });

  it('refuses bad values, as usage errors naming the option', () => {
    const base = ['--file', 'd.csv', '--dataset', 'credit', '--key', 'k'];
    const refusal = (argv: string[]) => {
      try {
        parseProduceArgs(argv, {});
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error(`${argv.join(' ')} was accepted`);
    };
    expect(refusal([...base, '--batch', '10001'])).toBe(
      "option '--batch <n>' argument '10001' is invalid. It must be an integer from 1 to 10000.",
    );
    expect(refusal([...base, '--concurrency', '1.5'])).toMatch(
      /'--concurrency <n>' argument '1.5'/,
    );
    expect(refusal([...base, '--via', 'kafka'])).toBe(
      "option '--via <http|nats>' argument 'kafka' is invalid. Allowed choices are http, nats.",
    );
    expect(refusal([...base, '--bogus'])).toBe("unknown option '--bogus'");
    expect(refusal([...base, 'extra.csv'])).toMatch(/too many arguments/);
    expect(refusal([...base, '--key-file', 'k.txt'])).toMatch(/'--key <key>' cannot be used with/);
    expect(refusal(['--dataset', 'x'])).toBe("required option '--file <path>' not specified");
  });
});
