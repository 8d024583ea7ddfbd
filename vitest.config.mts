import { defineConfig } from 'vitest/config';

// The AWS SDK warns at every import that releases after January 2027 need Node 22; we run Node 20.
const execArgv = ['--disable-warning=NodeVersionSupportWarning'];

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], execArgv },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          execArgv,
          // One real stack is shared: run integration files one at a time.
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
