import { expectChartToRun } from '@keelson/testing';
import { preprocessingConfig } from '../src/config';
// Preprocessing serves the shared health routes of libs/service-kit and has no document of its own.
import { openApiServicePaths } from '@keelson/service-kit';

// The Helm chart (deploy/helm/keelson) against this service's own configuration and routes.
describe('the Helm chart runs preprocessing', () => {
  it('with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'preprocessing',
      preprocessingConfig,
      (config) => config.http,
      Object.keys(openApiServicePaths('')),
    );
  });
});
