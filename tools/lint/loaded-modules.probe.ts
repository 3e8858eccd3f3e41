// Run as `node -r @swc-node/register tools/lint/loaded-modules.probe.ts <file>`: loads the file as
// a service would and prints, as JSON, every module that loaded with it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require(process.argv[2]);
process.stdout.write(JSON.stringify(Object.keys(require.cache)));
