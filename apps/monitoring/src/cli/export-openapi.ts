// Writes the monitoring API's OpenAPI document to docs/openapi/ (npm run openapi:export).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitoringOpenApi } from '../http/openapi';

const dir = join(__dirname, '../../../../docs/openapi');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'monitoring.json'), `${JSON.stringify(monitoringOpenApi, null, 2)}\n`);
console.log('wrote docs/openapi/monitoring.json');
