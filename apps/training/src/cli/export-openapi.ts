// Writes the training API's OpenAPI document to docs/openapi/ (npm run openapi:export).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { trainingOpenApi } from '../http/openapi';

const dir = join(__dirname, '../../../../docs/openapi');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'training.json'), `${JSON.stringify(trainingOpenApi, null, 2)}\n`);
console.log('wrote docs/openapi/training.json');
