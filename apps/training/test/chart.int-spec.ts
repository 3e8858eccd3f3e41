import { expectChartToRun } from '@keelson/testing';
import { trainingConfig } from '../src/config';
import { trainingOpenApi } from '../src/http/openapi';

// The Helm chart (deploy/helm/keelson) against this service's own configuration and routes.
describe('the Helm chart runs training', () => {
  it('with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'training',
      trainingConfig,
      (config) => config.http,
      Object.keys(trainingOpenApi.paths),
    );
  });
});
