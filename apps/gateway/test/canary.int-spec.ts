import { waitFor } from '@keelson/testing';
import { churnInputs, gatewayFixture, type GatewayFixture } from './gateway-fixture';

describe('canary split through the gateway (real nodes)', () => {
  let f: GatewayFixture;
  beforeAll(async () => {
    f = await gatewayFixture();
    await f.publishModel({ production: 1, canary: 2, canaryWeight: 0.3 });
    await f.startNodes(2);
  });
  afterAll(() => f?.close());

  it('sends about canaryWeight of unversioned requests to the canary, explicit versions where named', async () => {
    const served: Record<string, number> = {};
    const requests = 600;
    const send = async (i: number) => {
      const answer = await f.call('POST', `/v2/models/${f.model}/infer`, {
        body: { inputs: churnInputs(1, i) },
      });
      expect(answer.status).toBe(200);
      served[answer.body.model_version] = (served[answer.body.model_version] ?? 0) + 1;
    };
    for (let i = 0; i < requests; i += 8)
      await Promise.all(Array.from({ length: 8 }, (_, j) => send(i + j)));
    expect(Object.keys(served).sort()).toEqual(['1', '2']);
    // 0.3 of 600 is 180, with a standard deviation of about 11: the bounds are over 3.5 of them.
    expect(served['2'] / requests).toBeGreaterThan(0.23);
    expect(served['2'] / requests).toBeLessThan(0.37);

    for (const version of ['1', '2'])
      for (let i = 0; i < 10; i++) {
        const answer = await f.call('POST', `/v2/models/${f.model}/versions/${version}/infer`, {
          body: { inputs: churnInputs(1, i) },
        });
        expect(answer.body.model_version).toBe(version);
      }
  });

  it('follows a change of weight in the models bucket', async () => {
    await f.publishModel({ production: 1, canary: 2, canaryWeight: 0 });
    // The nodes keep both versions warm; only the split changes.
    let canary = 0;
    await waitFor('the new weight to apply', async () => {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          f.call('POST', `/v2/models/${f.model}/infer`, { body: { inputs: churnInputs(1, i) } }),
        ),
      );
      canary = answers.filter((a) => a.body.model_version === '2').length;
      return canary === 0;
    });
    expect(canary).toBe(0);
  });
});
