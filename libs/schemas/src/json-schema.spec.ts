import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { producerJsonSchemas } from './json-schema';

// The published JSON Schemas are generated; this fails when someone changes a schema and forgets
// to regenerate them (`npm run schemas:export`).
describe('producer JSON Schemas in docs/schemas', () => {
  const dir = join(__dirname, '../../../docs/schemas');
  const generated = producerJsonSchemas();

  it('exports the envelope of every producer-facing event', () => {
    expect(Object.keys(generated).sort()).toEqual([
      'keelson.ingest.records.schema.json',
      'keelson.training.requested.schema.json',
    ]);
    const ingest = generated['keelson.ingest.records.schema.json'] as { required: string[] };
    expect(ingest.required).toEqual(expect.arrayContaining(['specversion', 'id', 'type', 'data']));
  });

  it('matches the committed files', () => {
    expect(readdirSync(dir).sort()).toEqual(Object.keys(generated).sort());
    for (const [name, schema] of Object.entries(generated)) {
      expect(JSON.parse(readFileSync(join(dir, name), 'utf8'))).toEqual(schema);
    }
  });
});
