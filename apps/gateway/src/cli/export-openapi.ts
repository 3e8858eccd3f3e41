// Writes the gateway REST API's OpenAPI document to docs/openapi/ (npm run openapi:export).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gatewayOpenApi } from '../http/openapi';

const dir = join(__dirname, '../../../../docs/openapi');
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, 'gateway.json'), `${JSON.stringify(gatewayOpenApi, null, 2)}\n`);
console.log('wrote docs/openapi/gateway.json');
