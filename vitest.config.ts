import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One PostgreSQL server for the run (embedded, or DATABASE_URL) and a migrated template database.
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    // Each file copies the template into a database of its own.
    isolate: true,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    passWithNoTests: false,
  },
});
