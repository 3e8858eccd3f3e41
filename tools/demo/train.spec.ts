import { UsageError } from './cli-args';
import { parseTrainArgs } from './train';

describe('parseTrainArgs', () => {
  const base = ['--dataset', 'credit', '--model', 'credit', '--key', 'k'];

  it('fills in the defaults, and reads the lists and numbers', () => {
    expect(parseTrainArgs(base, {})).toEqual({
      dataset: 'credit',
      model: 'credit',
      key: 'k',
      url: 'http://127.0.0.1:8083',
      algorithm: 'mlp',
      timeoutS: 1800,
    });
    expect(
      parseTrainArgs([...base, '--hidden', '32,16', '--epochs', '30', '--algorithm', 'logistic'], {
        TRAINING_HTTP_PORT: '9999',
      }),
    ).toMatchObject({
      hidden: [32, 16],
      epochs: 30,
      algorithm: 'logistic',
      url: 'http://127.0.0.1:9999',
    });
  });

  it('follows a job without a dataset or model, with the key from the environment', () => {
    expect(parseTrainArgs(['--job', 'j-1'], { KEELSON_API_KEY: 'env' })).toMatchObject({
      job: 'j-1',
      key: 'env',
    });
  });

  it('refuses what it cannot run, as usage errors', () => {
    const refusal = (argv: string[], env: NodeJS.ProcessEnv = {}) => {
      try {
        parseTrainArgs(argv, env);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      throw new Error(`${argv.join(' ')} was accepted`);
    };
    expect(refusal(['--dataset', 'credit', '--model', 'credit'])).toBe(
      'give --key-file, --key or KEELSON_API_KEY',
    );
    expect(refusal(['--dataset', 'credit', '--key', 'k'])).toBe(
      '--dataset and --model are required (or --job)',
    );
    expect(refusal([...base, '--algorithm', 'forest'])).toMatch(
      /'--algorithm <logistic\|mlp>' argument 'forest' is invalid. Allowed choices are logistic, mlp/,
    );
    expect(refusal([...base, '--hidden', '32,0'])).toMatch(
      /'--hidden <a,b>' argument '32,0' is invalid. It must be an integer from 1 to 1024/,
    );
    expect(refusal([...base, '--epochs', '1001'])).toMatch(/'--epochs <n>' argument '1001'/);
    expect(refusal([...base, '--timeout-s', '0'])).toMatch(/'--timeout-s <n>' argument '0'/);
    expect(refusal([...base, '--bogus'])).toBe("unknown option '--bogus'");
  });
});
