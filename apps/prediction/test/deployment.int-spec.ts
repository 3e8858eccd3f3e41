import { expectChartToRun, expectImageAndComposeToRun } from '@keelson/testing';
import { predictionConfig } from '../src/config';
// A node serves its own health routes (src/bootstrap.ts) beside the protocol's /v2 ones; recovery's
// prober reads /health/ready.
const NODE_HEALTH_ROUTES = ['/health/live', '/health/ready'];

// The Helm chart, the image and compose.yaml (deploy/) against this service's own configuration.
describe('deploying prediction', () => {
  it('the Helm chart runs it with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun('prediction', predictionConfig, (config) => config.http, NODE_HEALTH_ROUTES);
  });
  it('its image and compose.yaml (prediction-1) run it with variables it reads, on its ports', () => {
    expectImageAndComposeToRun(
      'prediction',
      'prediction-1',
      predictionConfig,
      (config) => config.http,
    );
  });

  it('its image and compose.yaml (prediction-2) run it with variables it reads, on its ports', () => {
    expectImageAndComposeToRun(
      'prediction',
      'prediction-2',
      predictionConfig,
      (config) => config.http,
    );
  });
});
