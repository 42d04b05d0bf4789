// Tests run through ts-jest in transpile-only mode (isolatedModules): fast, and with no native
// binaries, so the lock file installs on every platform. Types are checked separately by
// `tsc --noEmit` in `npm test`. p-retry, jose and @scalar ship ESM only, so they are transpiled to
// CommonJS too instead of being ignored like the rest of node_modules.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.(t|j)sx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json', diagnostics: false }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error|jose|@scalar)/)'],
  testTimeout: 20000,
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
