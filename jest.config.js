// Tests are TypeScript transpiled by SWC (fast, independent of the TypeScript version); types are
// checked separately by `tsc --noEmit` in `npm test`. p-retry and its helper ship ESM only, so they
// are transpiled too instead of being ignored like the rest of node_modules.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2023' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
