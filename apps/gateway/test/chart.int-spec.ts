import { expectChartToRun } from '@keelson/testing';
import { gatewayConfig } from '../src/config';
import { gatewayOpenApi } from '../src/http/openapi';

// The Helm chart (deploy/helm/keelson) against this service's own configuration and routes.
describe('the Helm chart runs gateway', () => {
  it('with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'gateway',
      gatewayConfig,
      (config) => config.http,
      Object.keys(gatewayOpenApi.paths),
    );
  });
});
