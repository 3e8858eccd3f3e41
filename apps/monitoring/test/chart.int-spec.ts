import { expectChartToRun } from '@keelson/testing';
import { monitoringConfig } from '../src/config';
import { monitoringOpenApi } from '../src/http/openapi';

// The Helm chart (deploy/helm/keelson) against this service's own configuration and routes.
describe('the Helm chart runs monitoring', () => {
  it('with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'monitoring',
      monitoringConfig,
      (config) => config.http,
      Object.keys(monitoringOpenApi.paths),
    );
  });
});
