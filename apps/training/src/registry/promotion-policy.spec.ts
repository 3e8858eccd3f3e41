import { decidePromotion } from './promotion-policy';

describe('decidePromotion', () => {
  it('promotes a first version', () => {
    expect(decidePromotion({ metric: 'auc', margin: 0.01, candidate: { auc: 0.7 } })).toMatchObject(
      {
        promote: true,
        reason: 'first version: auc 0.7000',
      },
    );
  });

  it('promotes only when the gain reaches the margin, higher being better for AUC', () => {
    const production = { version: 3, scores: { auc: 0.8 } };
    expect(
      decidePromotion({ metric: 'auc', margin: 0.01, candidate: { auc: 0.811 }, production })
        .promote,
    ).toBe(true);
    const close = decidePromotion({
      metric: 'auc',
      margin: 0.01,
      candidate: { auc: 0.805 },
      production,
    });
    expect(close.promote).toBe(false);
    expect(close.reason).toMatch(
      /auc 0.8050 vs production v3 0.8000 .*not better by the margin 0.01/,
    );
  });

  it('treats log loss and Brier score as lower-is-better', () => {
    const production = { version: 1, scores: { logLoss: 0.5 } };
    expect(
      decidePromotion({ metric: 'logLoss', margin: 0.05, candidate: { logLoss: 0.4 }, production })
        .promote,
    ).toBe(true);
    expect(
      decidePromotion({ metric: 'logLoss', margin: 0.05, candidate: { logLoss: 0.6 }, production })
        .promote,
    ).toBe(false);
  });

  it('never replaces a production it cannot score, nor promotes without the metric', () => {
    expect(
      decidePromotion({
        metric: 'auc',
        margin: 0,
        candidate: { auc: 0.9 },
        production: { version: 2 },
      }),
    ).toMatchObject({ promote: false, reason: expect.stringMatching(/cannot be scored/) });
    expect(
      decidePromotion({ metric: 'auc', margin: 0, candidate: { accuracy: 0.9 } }).promote,
    ).toBe(false);
  });
});
