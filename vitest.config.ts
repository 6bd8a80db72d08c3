import { defineConfig } from 'vitest/config';

// Workspace packages are consumed from their TypeScript sources (the `source` export condition).
// Not vite's `module` condition: some packages' `module` builds are not valid Node ESM.
const conditions = ['source', 'node', 'development|production'];
const shared = { resolve: { conditions }, ssr: { resolve: { conditions } } };
const ignore = ['**/node_modules/**', '**/dist/**'];

export default defineConfig({
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['**/src/**/*.test.ts'],
          exclude: [...ignore, '**/*.int.test.ts', '**/*.e2e.test.ts'],
        },
      },
      {
        // Real PostgreSQL, Redis, s3rver, ffmpeg, mediasoup workers; ports 0, own databases.
        ...shared,
        test: {
          name: 'int',
          include: ['**/*.int.test.ts'],
          exclude: ignore,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Chromium against the whole system started by globalSetup (or by the test itself).
        ...shared,
        test: {
          name: 'e2e',
          include: ['e2e/**/*.e2e.test.ts'],
          exclude: ignore,
          globalSetup: ['e2e/globalSetup.ts'],
          fileParallelism: false,
          // A page's next state arrives after a render and often a request or two; with int
          // suites beside it on 2 cores, that is seconds, not vitest's default of one.
          expect: { poll: { timeout: 15_000, interval: 100 } },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
