import { resolveHyperparameters } from './hyperparameters';
import { parsePolicies } from './retraining-policy';

describe('resolveHyperparameters', () => {
  it('fills defaults per algorithm', () => {
    const mlp = resolveHyperparameters('mlp', undefined);
    expect(mlp).toMatchObject({ ok: true, value: { hidden: [32], epochs: 40, seed: 1 } });
    const logistic = resolveHyperparameters('logistic', { epochs: 3 });
    expect(logistic).toMatchObject({ ok: true, value: { hidden: [], epochs: 3 } });
  });

  it('names the field of a bad value and refuses unknown ones', () => {
    const bad = resolveHyperparameters('mlp', { hidden: [0], learningRate: 2 });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error).toMatch(/\/hidden\/0/);
    expect(bad.error).toMatch(/\/learningRate/);
    const unknown = resolveHyperparameters('mlp', { momentum: 0.9 });
    expect(unknown.ok).toBe(false);
    expect(resolveHyperparameters('logistic', { hidden: [4] })).toEqual({
      ok: false,
      error: 'hyperparameters: logistic regression has no hidden layers',
    });
  });
});

describe('parsePolicies', () => {
  it('reads model:dataset:algorithm:everyRows and refuses anything else', () => {
    expect(parsePolicies(['credit:credit:mlp:5000'])).toEqual([
      { model: 'credit', dataset: 'credit', algorithm: 'mlp', everyRows: 5000 },
    ]);
    expect(() => parsePolicies(['credit:credit:svm:10'])).toThrow(/logistic\|mlp/);
    expect(() => parsePolicies(['credit:credit:mlp:0'])).toThrow(/positive whole number/);
    expect(() => parsePolicies(['credit'])).toThrow(/not model:dataset/);
  });
});
