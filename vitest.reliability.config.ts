/**
 * `npm run test:reliability`: the reliability suite (test/reliability), on the same PostgreSQL as
 * `npm test` (the embedded cluster, or DATABASE_URL) through the same global setup and template
 * database. Bounded: every property has a fixed number of runs and a time budget (see
 * bench/RELIABILITY.md); fast-check prints the seed of a failure, FC_SEED replays it.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    isolate: true,
    // A test is one operation's property or sweep: its own budget is far below this.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    passWithNoTests: false,
  },
});
