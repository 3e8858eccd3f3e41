const { transform, moduleNameMapper } = require('../jest.preset');

module.exports = {
  rootDir: __dirname,
  displayName: 'tools',
  testMatch: ['<rootDir>/**/*.spec.ts'],
  transform,
  moduleNameMapper,
  testEnvironment: 'node',
};
