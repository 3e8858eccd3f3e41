import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitoringOpenApi } from './openapi';

describe('OpenAPI document', () => {
  it('matches docs/openapi/monitoring.json (regenerate with npm run openapi:export)', () => {
    const committed = JSON.parse(
      readFileSync(join(__dirname, '../../../../docs/openapi/monitoring.json'), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(monitoringOpenApi)));
  });

  it('documents every route the service serves', () => {
    expect(Object.keys(monitoringOpenApi.paths).sort()).toEqual([
      '/console',
      '/console/{file}',
      '/health/live',
      '/health/ready',
      '/metrics',
      '/openapi.json',
      '/v1/alerts',
      '/v1/alerts/{id}',
      '/v1/console/dlq',
      '/v1/console/dlq/replays',
      '/v1/console/overview',
      '/v1/drift/{model}',
      '/v1/nodes',
      '/v1/series',
      '/v1/slos',
    ]);
  });
});
