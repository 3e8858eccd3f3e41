import { expectChartToRun } from '@keelson/testing';
import { recoveryConfig } from '../src/config';
import { recoveryOpenApi } from '../src/http/openapi';

// The Helm chart (deploy/helm/keelson) against this service's own configuration and routes.
describe('the Helm chart runs recovery', () => {
  it('with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'recovery',
      recoveryConfig,
      (config) => config.http,
      Object.keys(recoveryOpenApi.paths),
    );
  });
});
