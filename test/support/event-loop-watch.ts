/**
 * Keeps each worker's event loop reachable between tests, and names any test that holds it
 * for a long stretch.
 *
 * Vitest's worker reports progress to the main process over an RPC with a fixed 60 s timeout.
 * A test that computes synchronously for about that long (a long machine run, a spawnSync of
 * the CLI) makes the worker's pending call time out the moment it yields — the run then fails
 * with `Timeout calling "onTaskUpdate"` although every test passed, and the error names no
 * test. Every test therefore starts with a short timer (below), and this watch prints which
 * test (or hook, or collection of which file) held the loop, so that such a stretch can be
 * split or moved into a child process. It measures test-harness wall time only; nothing in
 * the simulation reads a clock.
 */
import { beforeAll, beforeEach, expect } from 'vitest';

const TICK_MS = 1000;
const WARN_MS = Number(process.env.MIGTRACE_STALL_WARN_MS ?? 15_000);

/** One watch per worker process: setup files run again for every test file a worker takes. */
interface Watch { where: string }
const KEY = Symbol.for('migtrace.event-loop-watch');
const g = globalThis as typeof globalThis & { [KEY]?: Watch };
const watch: Watch = g[KEY] ?? startWatch();

function startWatch(): Watch {
  const w: Watch = { where: '(collecting)' };
  let last = performance.now();
  setInterval(() => {
    const now = performance.now();
    const stall = now - last - TICK_MS;
    if (stall > WARN_MS) {
      process.stderr.write(`event loop held ${(stall / 1000).toFixed(1)} s by ${w.where} (vitest's worker RPC times out at 60 s)\n`);
    }
    last = now;
  }, TICK_MS).unref();
  g[KEY] = w;
  return w;
}

const file = () => expect.getState().testPath ?? '?';
watch.where = `collecting ${file()}`;
beforeAll(() => {
  watch.where = `beforeAll of ${file()}`;
});
beforeEach(async () => {
  // Vitest runs synchronous tests back to back without reaching the event loop: a file of
  // them is one long stretch, however short each test. A timer here lets the loop read the
  // main process's answers (and the watch tick) between tests.
  // The watch's tick in this wait still charges a stall to the test before.
  await new Promise((resolve) => setTimeout(resolve, 5));
  watch.where = `"${expect.getState().currentTestName ?? '?'}" in ${file()}`;
});
