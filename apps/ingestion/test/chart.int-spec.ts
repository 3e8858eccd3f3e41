import { expectChartToRun } from '@keelson/testing';
import { ingestionConfig } from '../src/config';
import { ingestionOpenApi } from '../src/http/openapi';

// The Helm chart (deploy/helm/keelson) against this service's own configuration and routes.
describe('the Helm chart runs ingestion', () => {
  it('with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'ingestion',
      ingestionConfig,
      (config) => config.http,
      Object.keys(ingestionOpenApi.paths),
    );
  });
});
