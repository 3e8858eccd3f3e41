// Writes the ingestion API's OpenAPI document to docs/openapi/ (npm run openapi:export).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ingestionOpenApi } from '../http/openapi';

const dir = join(__dirname, '../../../../docs/openapi');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'ingestion.json'), `${JSON.stringify(ingestionOpenApi, null, 2)}\n`);
console.log('wrote docs/openapi/ingestion.json');
