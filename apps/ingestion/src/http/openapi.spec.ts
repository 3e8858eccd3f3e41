import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestionOpenApi } from './openapi';

describe('OpenAPI document', () => {
  it('matches docs/openapi/ingestion.json (regenerate with npm run openapi:export)', () => {
    const committed = JSON.parse(
      readFileSync(join(__dirname, '../../../../docs/openapi/ingestion.json'), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(ingestionOpenApi)));
  });

  it('documents every route the service serves', () => {
    expect(Object.keys(ingestionOpenApi.paths).sort()).toEqual([
      '/health/live',
      '/health/ready',
      '/metrics',
      '/v1/datasets',
      '/v1/datasets/{name}',
      '/v1/datasets/{name}/records',
      '/v1/datasets/{name}/versions',
      '/v1/keys',
      '/v1/keys/{id}/revoke',
    ]);
  });
});
