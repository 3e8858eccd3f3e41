import { expectChartToRun, expectImageAndComposeToRun } from '@keelson/testing';
import { trainingConfig } from '../src/config';
import { trainingOpenApi } from '../src/http/openapi';

// The Helm chart, the image and compose.yaml (deploy/) against this service's own configuration.
describe('deploying training', () => {
  it('the Helm chart runs it with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'training',
      trainingConfig,
      (config) => config.http,
      Object.keys(trainingOpenApi.paths),
    );
  });
  it('its image and compose.yaml (training) run it with variables it reads, on its ports', () => {
    expectImageAndComposeToRun('training', 'training', trainingConfig, (config) => config.http);
  });
});
