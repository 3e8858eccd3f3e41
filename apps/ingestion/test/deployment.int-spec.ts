import { expectChartToRun, expectImageAndComposeToRun } from '@keelson/testing';
import { ingestionConfig } from '../src/config';
import { ingestionOpenApi } from '../src/http/openapi';

// The Helm chart, the image and compose.yaml (deploy/) against this service's own configuration.
describe('deploying ingestion', () => {
  it('the Helm chart runs it with variables it reads, on its ports, probed on routes it serves', () => {
    expectChartToRun(
      'ingestion',
      ingestionConfig,
      (config) => config.http,
      Object.keys(ingestionOpenApi.paths),
    );
  });
  it('its image and compose.yaml (ingestion) run it with variables it reads, on its ports', () => {
    expectImageAndComposeToRun('ingestion', 'ingestion', ingestionConfig, (config) => config.http);
  });
});
