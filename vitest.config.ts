import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The reliability suite is its own run (`npm run test:reliability`, vitest.reliability.config.ts).
    exclude: [...configDefaults.exclude, 'test/reliability/**'],
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
