import { defineConfig } from 'vitest/config';

/**
 * `npm test`: the suite a change must pass, in a few minutes on 2 cores. The long sweeps live
 * in test/long/ (vitest.long.config.ts, `npm run test:long`). Time limits are generous: a
 * loaded machine makes tests slow, not wrong.
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/long/**', '**/node_modules/**'],
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    setupFiles: ['test/support/event-loop-watch.ts'],
    // Both cores: many tests wait on child processes (the CLI) rather than compute.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
