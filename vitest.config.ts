import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { requireInCi } from './test/helpers/ci.js';
import { findPostgresBin } from './test/helpers/postgres.js';

const require = createRequire(import.meta.url);

// Tests that need a database run twice: on PGlite, and on PostgreSQL (TEST_DATABASE_URL, or a
// throwaway cluster from Debian's postgresql package). In CI a missing PostgreSQL fails the run.
const postgresAvailable = requireInCi(
  Boolean(process.env.TEST_DATABASE_URL || findPostgresBin()),
  "PostgreSQL (no TEST_DATABASE_URL and no initdb: apt-get install -y postgresql, as .ci/run does)",
  'the PostgreSQL half of the database tests',
);

// Every server and command line of the run writes its logs here; the audit project reads them all.
const KEYWAY_TEST_LOG_DIR = mkdtempSync(join(tmpdir(), 'keyway-test-logs-'));

const DATABASE_TESTS = ['test/{rest,graphql,trpc,ops,sessions,cli,admin,contract,abuse,browser,mfa,oauth,verify}/**/*.test.ts'];

export default defineConfig({
  // One graphql module for everyone, or "Cannot use GraphQLSchema from another module or realm".
  resolve: { alias: { graphql: require.resolve('graphql') } },
  test: {
    hookTimeout: 60_000,
    testTimeout: 30_000,
    pool: 'forks',
    // Two cores here: two files at a time cut the run by a quarter (PGlite's start-up is most of it).
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], env: { KEYWAY_TEST_LOG_DIR } } },
      {
        extends: true,
        test: {
          name: 'pglite',
          include: DATABASE_TESTS,
          env: { KEYWAY_TEST_DB: 'pglite', KEYWAY_TEST_LOG_DIR },
          globalSetup: ['test/helpers/pglite-global.ts'],
        },
      },
      ...(postgresAvailable
        ? [
            {
              extends: true,
              test: {
                name: 'postgres',
                include: DATABASE_TESTS,
                env: { KEYWAY_TEST_DB: 'postgres', KEYWAY_TEST_LOG_DIR },
                globalSetup: ['test/helpers/postgres-global.ts'],
              },
            },
          ]
        : []),
      // After everything else: reads the logs of the whole run.
      {
        extends: true,
        test: {
          name: 'audit',
          include: ['test/audit/**/*.test.ts'],
          env: { KEYWAY_TEST_LOG_DIR, KEYWAY_TEST_POSTGRES: postgresAvailable ? '1' : '' },
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
