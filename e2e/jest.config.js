const { transform, moduleNameMapper } = require('../jest.preset');
const path = require('node:path');

// End-to-end suites start real processes and talk to them only through public interfaces.
module.exports = {
  rootDir: __dirname,
  displayName: 'e2e',
  testMatch: ['<rootDir>/src/**/*.e2e-spec.ts'],
  transform,
  moduleNameMapper,
  testEnvironment: 'node',
  setupFilesAfterEnv: [path.join(__dirname, '../tools/test/integration-setup.js')],
};
