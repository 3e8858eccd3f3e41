import { expectChartToRun, expectImageAndComposeToRun } from '@keelson/testing';
import { preprocessingConfig } from '../src/config';
// Preprocessing serves the shared health routes of libs/service-kit and has no document of its own.
import { openApiServicePaths } from '@keelson/service-kit';

// The Helm chart, the image and compose.yaml (deploy/) against this service's own configuration.
describe('deploying preprocessing', () => {
  it('the Helm chart runs it with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'preprocessing',
      preprocessingConfig,
      (config) => config.http,
      Object.keys(openApiServicePaths('')),
    );
  });
  it('its image and compose.yaml (preprocessing) run it with variables it reads, on its ports', () => {
    expectImageAndComposeToRun(
      'preprocessing',
      'preprocessing',
      preprocessingConfig,
      (config) => config.http,
    );
  });
});
