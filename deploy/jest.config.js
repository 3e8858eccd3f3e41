// The deployment files' checks run real tools (helm, promtool) that tools/infra/tool.sh builds on
// first use, so they are integration tests.
module.exports = require('../jest.preset').projectConfig(__dirname);
