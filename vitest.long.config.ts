import { defineConfig } from 'vitest/config';

/**
 * The long end-to-end sweeps (`npm run test:long`; CI runs it after `npm test`): every
 * injected migration bug through the CLI, every golden trace re-recorded and re-migrated,
 * every switch-over message lost or damaged over TCP. No per-test time limit: how long they
 * take depends on the machine's load, not on whether they pass.
 */
export default defineConfig({
  test: {
    include: ['test/long/**/*.test.ts'],
    testTimeout: 0,
    hookTimeout: 0,
    pool: 'forks',
    setupFiles: ['test/support/event-loop-watch.ts'],
  },
});
