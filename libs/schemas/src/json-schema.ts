import type { TSchema } from '@sinclair/typebox';
import { EVENTS } from './events/registry';

/**
 * JSON Schema documents (draft 2020-12) of the events producers publish, for `docs/schemas/`.
 * TypeBox schemas are JSON Schema already; this strips TypeBox's internal symbols by round-tripping
 * through JSON and adds the identifying keywords.
 */
export function producerJsonSchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const event of EVENTS.filter((e) => e.producerFacing)) {
    out[`${event.type}.schema.json`] = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: `https://keelson.dev/schemas/${event.type}.schema.json`,
      title: event.type,
      description: `${event.description}. Publish on \`${event.subject}\` (stream ${event.stream}).`,
      ...plain(event.envelope),
    };
  }
  return out;
}

function plain(schema: TSchema): object {
  return JSON.parse(JSON.stringify(schema)) as object;
}
