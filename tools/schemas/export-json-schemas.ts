// Writes the producer-facing JSON Schemas to docs/schemas/ (run: npm run schemas:export).
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { producerJsonSchemas } from '@keelson/schemas';

const dir = join(__dirname, '../../docs/schemas');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
for (const [name, schema] of Object.entries(producerJsonSchemas())) {
  writeFileSync(join(dir, name), `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote docs/schemas/${name}`);
}
