import { expectChartToRun, expectImageAndComposeToRun } from '@keelson/testing';
import { gatewayConfig } from '../src/config';
import { gatewayOpenApi } from '../src/http/openapi';

// The Helm chart, the image and compose.yaml (deploy/) against this service's own configuration.
describe('deploying gateway', () => {
  it('the Helm chart runs it with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'gateway',
      gatewayConfig,
      (config) => config.http,
      Object.keys(gatewayOpenApi.paths),
    );
  });
  it('its image and compose.yaml (gateway) run it with variables it reads, on its ports', () => {
    expectImageAndComposeToRun('gateway', 'gateway', gatewayConfig, (config) => config.http);
  });
});
