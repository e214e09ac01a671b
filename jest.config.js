// ESM all the way: the package is "type": "module", tests run under
// --experimental-vm-modules and ts-jest's ESM mode, so jest, tsc and bin/recomart
// resolve modules the same way.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/setup/globalSetup.mjs',
  globalTeardown: '<rootDir>/test/setup/globalTeardown.mjs',
  // Tests spawn the CLI and open DuckDB; two workers match the two cores CI has.
  maxWorkers: 2,
};
