/**
 * Makes one service's standalone bundle from the compiled tree (tools/build/build.sh): the app, the
 * libs it reaches and a package.json whose dependencies are only the npm packages that code
 * requires, pinned to the versions the repository tested (package-lock.json). The libs become
 * `file:` packages, so `npm install --omit=dev` in the bundle is all a team needs to run it:
 *
 *   dist/bundles/<app>/
 *     package.json  .npmrc  apps/<app>/src/**.js  libs/<lib>/{package.json,src/**.js}
 *
 * usage: node -r @swc-node/register tools/build/bundle.ts <app>
 */
import { builtinModules } from 'node:module';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';

const root = join(__dirname, '../..');
const dist = join(root, 'dist');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
// `require("...")` as tsc emits it; the code uses no computed requires.
const REQUIRE = /\brequire\("([^"]+)"\)/g;
// A worker started by path next to the file that starts it, as the code writes it.
const WORKER_SCRIPT = /__dirname, `([\w.-]+)\$\{/g;

interface Aliases {
  /** `@keelson/messaging/nest` -> `messaging` */
  libOf: Map<string, string>;
  /** per lib: subpath ('.' or './nest') -> compiled entry relative to the lib */
  entries: Map<string, Record<string, string>>;
}

function readAliases(): Aliases {
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, [string]> };
  };
  const libOf = new Map<string, string>();
  const entries = new Map<string, Record<string, string>>();
  for (const [alias, [target]] of Object.entries(tsconfig.compilerOptions.paths)) {
    const [, lib, rest] = /^libs\/([^/]+)\/(.+)\.ts$/.exec(target) ?? [];
    if (!lib || !existsSync(join(dist, 'libs', lib))) continue; // not compiled: a test helper
    const subpath =
      alias === `@keelson/${lib}` ? '.' : `./${alias.slice(`@keelson/${lib}/`.length)}`;
    libOf.set(alias, lib);
    entries.set(lib, { ...entries.get(lib), [subpath]: `./${rest}.js` });
  }
  return { libOf, entries };
}

/** The package a bare specifier names: `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
const packageOf = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

/**
 * The libs `app` reaches and the npm packages its reachable code requires, walked file by file
 * from its main.js: relative requires, `@keelson/*` entries, and the worker scripts the code starts
 * by path (`join(__dirname, \`inference-worker${ext}\`)`). A lib's files that the app never loads
 * do not add their packages: the gateway uses the inference lib's protocol code, not its
 * onnxruntime-node engine (288 MB installed).
 */
export function dependenciesOf(app: string, aliases = readAliases()) {
  const libs = new Set<string>();
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [join(dist, 'apps', app, 'src/main.js')];
  const visit = (file: string) => {
    if (!seen.has(file)) pending.push(file);
  };
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const [, specifier] of code.matchAll(REQUIRE)) {
      if (specifier.startsWith('.')) {
        visit(resolveLocal(dirname(file), specifier));
        continue;
      }
      if (BUILTINS.has(specifier) || BUILTINS.has(packageOf(specifier))) continue;
      const lib = aliases.libOf.get(specifier);
      if (lib) {
        libs.add(lib);
        const subpath =
          specifier === `@keelson/${lib}` ? '.' : `./${specifier.split('/').slice(2).join('/')}`;
        visit(join(dist, 'libs', lib, aliases.entries.get(lib)![subpath]));
      } else if (specifier.startsWith('@keelson/'))
        throw new Error(`${relative(root, file)} requires ${specifier}, which is not built`);
      else packages.add(packageOf(specifier));
    }
    for (const [, script] of code.matchAll(WORKER_SCRIPT))
      visit(join(dirname(file), `${script}.js`));
  }
  return { libs: [...libs].sort(), packages: [...packages].sort() };
}

function resolveLocal(dir: string, specifier: string): string {
  const base = join(dir, specifier);
  for (const candidate of [base, `${base}.js`, join(base, 'index.js')])
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  throw new Error(`cannot resolve ${specifier} from ${relative(root, dir)}`);
}

function lockedVersion(
  lock: { packages: Record<string, { version?: string }> },
  production: Record<string, string>,
  name: string,
) {
  if (!production[name])
    throw new Error(`${name} is required at run time but is not in package.json's dependencies`);
  const version = lock.packages[`node_modules/${name}`]?.version;
  if (!version) throw new Error(`${name} is required by the code but not in package-lock.json`);
  return version;
}

export function bundle(app: string): string {
  if (!existsSync(join(dist, 'apps', app, 'src/main.js')))
    throw new Error(`dist/apps/${app}/src/main.js not found: run tools/build/build.sh first`);
  const aliases = readAliases();
  const { libs, packages } = dependenciesOf(app, aliases);
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const rootPackage = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const out = join(dist, 'bundles', app);
  rmSync(out, { recursive: true, force: true });

  const copy = (from: string) => {
    mkdirSync(dirname(join(out, from)), { recursive: true });
    // Compiled code and what it reads at run time (the .proto files); no source maps.
    cpSync(join(dist, from), join(out, from), {
      recursive: true,
      filter: (path) => !path.endsWith('.map'),
    });
  };
  copy(`apps/${app}/src`);
  for (const lib of libs) {
    copy(`libs/${lib}/src`);
    const exports = aliases.entries.get(lib)!;
    writeFileSync(
      join(out, 'libs', lib, 'package.json'),
      JSON.stringify(
        { name: `@keelson/${lib}`, private: true, main: exports['.'], exports },
        null,
        2,
      ) + '\n',
    );
  }
  const dependencies = Object.fromEntries([
    ...packages.map((name) => [name, lockedVersion(lock, rootPackage.dependencies, name)]),
    ...libs.map((lib) => [`@keelson/${lib}`, `file:./libs/${lib}`]),
  ]);
  // An app's node-flags file holds the V8 flags it is deployed with (docs/monitoring.md#memory).
  const flagsFile = join(root, 'apps', app, 'node-flags');
  const flags = existsSync(flagsFile) ? `${readFileSync(flagsFile, 'utf8').trim()} ` : '';
  const manifest = {
    name: `@keelson/${app}-service`,
    version: rootPackage.version ?? '0.0.0',
    private: true,
    description: `Keelson ${app}, standalone: npm install --omit=dev, then npm start`,
    license: rootPackage.license,
    engines: rootPackage.engines,
    scripts: { start: `node ${flags}apps/${app}/src/main.js` },
    dependencies,
  };
  writeFileSync(join(out, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  // The install must skip onnxruntime-node's CUDA download, as the repository's own does.
  cpSync(join(root, '.npmrc'), join(out, '.npmrc'));
  return out;
}

if (require.main === module) {
  const app = process.argv[2];
  if (!app || !existsSync(join(root, 'apps', app))) {
    console.error('usage: bundle.ts <app>  (an app under apps/)');
    process.exit(2);
  }
  const out = bundle(app);
  const { dependencies } = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8'));
  console.error(
    `[bundle] ${relative(root, out)}: ${Object.keys(dependencies).length} dependencies (${Object.keys(dependencies).join(', ')})`,
  );
}
