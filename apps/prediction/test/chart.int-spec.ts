import { expectChartToRun } from '@keelson/testing';
import { predictionConfig } from '../src/config';
// A node serves its own health routes (src/bootstrap.ts) beside the protocol's /v2 ones; recovery's
// prober reads /health/ready.
const NODE_HEALTH_ROUTES = ['/health/live', '/health/ready'];

// The Helm chart (deploy/helm/keelson) against this service's own configuration and routes.
describe('the Helm chart runs prediction', () => {
  it('with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun('prediction', predictionConfig, (config) => config.http, NODE_HEALTH_ROUTES);
  });
});
