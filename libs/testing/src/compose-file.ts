import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  localDefaultsLeft,
  PROCESS_WIDE_VARIABLES,
  type ConfigDefinitionLike,
  type ListenSettings,
} from './helm-chart';

/**
 * Checks of a service's image definition (apps/<app>/Dockerfile) and its place in
 * deploy/compose.yaml against the service's own configuration: the environment the image sets plus
 * the one compose adds must be variables the service reads, and must load.
 */

const root = join(__dirname, '../../..');

interface ComposeService {
  image?: string;
  environment?: Record<string, string>;
}

/** deploy/compose.yaml's services, anchors and merge keys resolved. */
export function composeServices(): Record<string, ComposeService> {
  const text = readFileSync(join(root, 'deploy/compose.yaml'), 'utf8');
  return (parse(text, { merge: true }) as { services: Record<string, ComposeService> }).services;
}

/** What the final stage of an app's Dockerfile declares. */
export function imageDefinition(app: string) {
  const text = readFileSync(join(root, 'apps', app, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, '');
  const finalStage = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, line] of finalStage.matchAll(/^ENV (.+)$/gm))
    for (const [, name, value] of line.matchAll(/([A-Z_][A-Z0-9_]*)=(\S+)/g)) env[name] = value;
  const exposed = (/^EXPOSE (.+)$/m.exec(finalStage)?.[1] ?? '').split(/\s+/).map(Number);
  const healthUrl = /HEALTHCHECK .*'(http:\/\/[^']+)'/.exec(finalStage)?.[1];
  return { env, exposed, healthUrl, user: /^USER (\S+)$/m.exec(finalStage)?.[1] };
}

/**
 * `${NAME:?message}` and `${NAME:-default}` as compose fills them: the node token (the one value
 * compose.yaml takes from the shell) with a sample, anything else with its default.
 */
const interpolate = (value: string) =>
  value.replace(
    /\$\{([A-Z_]+)(?::([?-])([^}]*))?\}/g,
    (_, name: string, kind?: string, rest?: string) =>
      name === 'KEELSON_NODE_TOKENS'
        ? 'compose-test-node-token-0123456789'
        : kind === '-'
          ? (rest ?? '')
          : '',
  );

/**
 * The image and compose run `service` (compose's name for it) as `app`'s code expects: every
 * variable set is one the app reads, its configuration loads from them, it listens on all
 * interfaces on the port the image exposes and checks, as a non-root user, with R3 streams.
 */
export function expectImageAndComposeToRun<C>(
  app: string,
  service: string,
  definition: ConfigDefinitionLike<C>,
  listen: (config: C) => ListenSettings,
): void {
  const image = imageDefinition(app);
  const composed = composeServices()[service];
  expect(composed).toBeDefined();
  const version = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
  ).version;
  expect(composed.image).toBe(`localhost/keelson/keelson-${app}:${version}`);
  const env = {
    ...image.env,
    ...Object.fromEntries(
      Object.entries(composed.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]),
    ),
  };
  const read = new Set([
    ...definition.variables().map((v) => v.variable),
    ...PROCESS_WIDE_VARIABLES,
    'NODE_ENV',
  ]);
  expect(Object.keys(env).filter((name) => !read.has(name))).toEqual([]);
  expect(localDefaultsLeft(definition, env)).toEqual([]);
  const settings = listen(definition.load(env));
  expect(settings.host).toBe('0.0.0.0');
  expect(image.exposed).toEqual(
    settings.grpcPort === undefined ? [settings.port] : [settings.port, settings.grpcPort],
  );
  expect(image.healthUrl).toBe(`http://127.0.0.1:${settings.port}/health/ready`);
  expect(image.user).toBe('10001:10001');
  expect(env.NATS_STREAM_REPLICAS).toBe('3');
}
