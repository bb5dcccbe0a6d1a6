// One jest run for the whole repo. Native ESM (node --experimental-vm-modules), TypeScript through swc.
// Workspace packages are mapped to their sources so tests never need a stale build of a sibling.
const swc = ['@swc/jest', {
  jsc: {
    parser: { syntax: 'typescript', decorators: true, tsx: false },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'es6' },
}];

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: {
    '^@crm/(shared|feel|form-engine|workflow-engine)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  testEnvironment: 'node',
};

// Projects that talk to PostgreSQL share one embedded server for the run.
const withDb = {
  ...common,
  globalSetup: '<rootDir>/tests/harness/global-setup.ts',
  globalTeardown: '<rootDir>/tests/harness/global-teardown.ts',
};

export default {
  rootDir: '.',
  testTimeout: 180000,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/packages/*/src/**/*.test.ts'] },
    { ...withDb, displayName: 'server', testMatch: ['<rootDir>/apps/server/src/**/*.test.ts'] },
    { ...withDb, displayName: 'api', testMatch: ['<rootDir>/tests/api/**/*.test.ts'] },
    { ...withDb, displayName: 'browser', testMatch: ['<rootDir>/tests/browser/**/*.test.ts'], testEnvironment: '<rootDir>/tests/harness/browser-environment.mjs' },
    // Operations: start-up, migrations, upgrades from every earlier release's dump.
    { ...withDb, displayName: 'ops', testMatch: ['<rootDir>/tests/ops/**/*.test.ts', '<rootDir>/tests/upgrade/**/*.test.ts'] },
  ],
};
