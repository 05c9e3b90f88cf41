/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // Transpile only (fast); `npm run typecheck` does the type checking.
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  setupFilesAfterEnv: ['<rootDir>/test/setup.ts'],
  // The default reporter, then a plain list of what was skipped and why (render and engine tests skip without their tools).
  reporters: ['default', '<rootDir>/test/skip-summary-reporter.js'],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
