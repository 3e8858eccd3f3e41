import { expectChartToRun, expectImageAndComposeToRun } from '@keelson/testing';
import { monitoringConfig } from '../src/config';
import { monitoringOpenApi } from '../src/http/openapi';

// The Helm chart, the image and compose.yaml (deploy/) against this service's own configuration.
describe('deploying monitoring', () => {
  it('the Helm chart runs it with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'monitoring',
      monitoringConfig,
      (config) => config.http,
      Object.keys(monitoringOpenApi.paths),
    );
  });
  it('its image and compose.yaml (monitoring) run it with variables it reads, on its ports', () => {
    expectImageAndComposeToRun(
      'monitoring',
      'monitoring',
      monitoringConfig,
      (config) => config.http,
    );
  });
});
