const { projectConfig, transform } = require('../../jest.preset');

const config = projectConfig(__dirname);
// The console's page is plain ES-module JavaScript (src/console/assets); its unit tests import
// it, so the unit project transpiles those files to CommonJS as it does TypeScript.
const swc = transform['^.+\\.ts$'];
const js = [swc[0], { ...swc[1], jsc: { ...swc[1].jsc, parser: { syntax: 'ecmascript' } } }];
config.projects[0].transform = { ...transform, '^.+/assets/.+\\.js$': js };
module.exports = config;
