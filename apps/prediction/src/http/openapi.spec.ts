import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { matchRestRoute } from '@keelson/inference';
import { predictionOpenApi } from './openapi';

describe('OpenAPI document', () => {
  it('matches docs/openapi/prediction.json (regenerate with npm run openapi:export)', () => {
    const committed = JSON.parse(
      readFileSync(join(__dirname, '../../../../docs/openapi/prediction.json'), 'utf8'),
    );
    expect(committed).toEqual(JSON.parse(JSON.stringify(predictionOpenApi)));
  });

  it('documents exactly the protocol routes the REST front end serves', () => {
    const v2 = Object.keys(predictionOpenApi.paths).filter((p) => p.startsWith('/v2'));
    expect(v2).toHaveLength(9);
    for (const path of v2) {
      const concrete = path.replace('{model_name}', 'm').replace('{model_version}', '1');
      expect({ path, route: matchRestRoute(concrete) }).toEqual({ path, route: expect.anything() });
    }
  });
});
