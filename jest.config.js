/**
 * Jest runs in native ESM mode (jose 6 is ESM-only): `.ts` is treated as ESM and
 * transformed by @swc/jest without type checking (`npm run typecheck` does that).
 * Relative imports carry `.js` (nodenext); the mapper strips it for the resolver.
 */
const swc = ['@swc/jest', {
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
  module: { type: 'es6' },
}];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/helpers/global-setup.mjs',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.mjs',
  // Fails a test whose in-process app sent a reply the OpenAPI document does not describe.
  setupFilesAfterEnv: ['<rootDir>/test/helpers/openapi-setup.ts'],
  maxWorkers: 2,
  testTimeout: 20000,
};
