// Writes the prediction REST API's OpenAPI document to docs/openapi/ (npm run openapi:export).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { predictionOpenApi } from '../http/openapi';

const dir = join(__dirname, '../../../../docs/openapi');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'prediction.json'), `${JSON.stringify(predictionOpenApi, null, 2)}\n`);
console.log('wrote docs/openapi/prediction.json');
