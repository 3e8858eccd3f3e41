// Writes the recovery API's OpenAPI document to docs/openapi/ (npm run openapi:export).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recoveryOpenApi } from '../http/openapi';

const dir = join(__dirname, '../../../../docs/openapi');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'recovery.json'), `${JSON.stringify(recoveryOpenApi, null, 2)}\n`);
console.log('wrote docs/openapi/recovery.json');
