/**
 * The timer guest (guests/src/timer.c): PIC pair + PIT channel 0 at hz=, a line every
 * every= ticks, stop after ticks=. The output holds only tick counts, so migtrace and QEMU
 * must print the same bytes, and the auto-EOI variant the same as the normal one.
 */
import { describe, expect, it } from 'vitest';
import { EXIT_FAILURE, EXIT_SUCCESS } from './expectations.js';
import { haveQemu, runMachine, runQemu, type GuestRun } from './harness.js';

const PIT_HZ = 1_193_182;
const INSTRUCTIONS_PER_SECOND = 100_000_000;

function expected(hz: number, every: number, ticks: number): string {
  const divisor = Math.floor((PIT_HZ + Math.floor(hz / 2)) / hz);
  let out =
    `timer: ${hz} Hz, divisor ${divisor}, lines every ${every} ticks, stop after ${ticks}\n` +
    'timer: latch and read-back: count decreases, status lobyte/hibyte mode 2 binary\n';
  let lines = 0;
  for (let t = every; t <= ticks; t += every, lines++) out += `timer: ${t} ticks\n`;
  out += `timer: done, ${ticks} ticks, ${lines} lines, in-service register as expected in ${ticks} of ${ticks}\n`;
  return out;
}

const cases = [
  { hz: 1000, every: 100, ticks: 500 },
  { hz: 100, every: 7, ticks: 30 },
  { hz: 10000, every: 1, ticks: 50 },
];

describe.each(cases)('timer hz=$hz every=$every ticks=$ticks', ({ hz, every, ticks }) => {
  const args = (eoi: string) =>
    hz === 1000 && every === 100 && ticks === 500 && eoi === 'normal'
      ? undefined // the image's defaults
      : `hz=${hz} every=${every} ticks=${ticks} eoi=${eoi}`;
  const want = expected(hz, every, ticks);
  const divisor = Math.floor((PIT_HZ + Math.floor(hz / 2)) / hz);
  const machineRuns = new Map<string, GuestRun>();

  it.for(['normal', 'auto'])('eoi=%s on migtrace', async (eoi, ctx) => {
    const run = await runMachine('timer', args(eoi));
    expect(run.status, run.message).toBe('exited');
    expect(run.serial).toBe(want);
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    // The last tick comes ticks × divisor PIT clocks after channel 0 was programmed.
    expect(run.icount!).toBeGreaterThan(Math.floor((ticks * divisor * INSTRUCTIONS_PER_SECOND) / PIT_HZ));
    machineRuns.set(eoi, run);
  });

  it.for(['normal', 'auto'])('eoi=%s under QEMU, the same bytes as migtrace', (eoi, ctx) => {
    if (!haveQemu) {
      console.log('skipping QEMU run: qemu-system-i386 not found');
      ctx.skip();
    }
    const run = runQemu('timer', args(eoi));
    expect(run.serial).toBe(want);
    expect(run.exitStatus).toBe(EXIT_SUCCESS);
    const machine = machineRuns.get(eoi);
    if (machine) expect(run.serial).toBe(machine.serial);
  });
});

describe('timer on migtrace', () => {
  it('is deterministic: two runs take the same instruction count', async (ctx) => {
    const a = await runMachine('timer', 'hz=1000 every=10 ticks=20');
    const b = await runMachine('timer', 'hz=1000 every=10 ticks=20');
    expect(a.serial).toBe(b.serial);
    expect(a.icount).toBe(b.icount);
  });

  it('rejects a bad eoi= and an out-of-range hz=', async (ctx) => {
    const bad = await runMachine('timer', 'eoi=sometimes');
    expect(bad.serial).toBe('timer: eoi= must be normal or auto\n');
    expect(bad.exitStatus).toBe(EXIT_FAILURE);
    const slow = await runMachine('timer', 'hz=18');
    expect(slow.serial).toMatch(/^timer: need 19 <= hz <= 10000/);
    expect(slow.exitStatus).toBe(EXIT_FAILURE);
  });
});
