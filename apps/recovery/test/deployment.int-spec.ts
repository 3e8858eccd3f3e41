import { expectChartToRun, expectImageAndComposeToRun } from '@keelson/testing';
import { recoveryConfig } from '../src/config';
import { recoveryOpenApi } from '../src/http/openapi';

// The Helm chart, the image and compose.yaml (deploy/) against this service's own configuration.
describe('deploying recovery', () => {
  it('the Helm chart runs it with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'recovery',
      recoveryConfig,
      (config) => config.http,
      Object.keys(recoveryOpenApi.paths),
    );
  });
  it('its image and compose.yaml (recovery) run it with variables it reads, on its ports', () => {
    expectImageAndComposeToRun('recovery', 'recovery', recoveryConfig, (config) => config.http);
  });
});
