import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainingOpenApi } from './openapi';

describe('OpenAPI document', () => {
  it('matches docs/openapi/training.json (regenerate with npm run openapi:export)', () => {
    const committed = JSON.parse(
      readFileSync(join(__dirname, '../../../../docs/openapi/training.json'), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(trainingOpenApi)));
  });

  it('documents every route the service serves', () => {
    expect(Object.keys(trainingOpenApi.paths).sort()).toEqual([
      '/health/live',
      '/health/ready',
      '/metrics',
      '/v1/models',
      '/v1/models/{name}',
      '/v1/models/{name}/rollback',
      '/v1/models/{name}/versions',
      '/v1/models/{name}/versions/{version}',
      '/v1/models/{name}/versions/{version}/archive',
      '/v1/models/{name}/versions/{version}/artifact',
      '/v1/models/{name}/versions/{version}/promote',
      '/v1/training-jobs',
      '/v1/training-jobs/{id}',
    ]);
  });
});
