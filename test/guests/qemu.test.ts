/**
 * Every guest under QEMU (the reference PC) and under migtrace's own machine: the serial
 * output and the exit status must meet the expectations in expectations.ts, and the two
 * machines must agree byte for byte. Either half skips, saying why, when its machine is
 * not available.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guestCases, guestImage, guestsDir, onPath, readManifest, type GuestCase } from './expectations.js';
import { Machine } from '../../src/board/machine.js';

interface RunOutcome {
  serial: string;
  exitStatus: number | null;
}

const MAX_INSTRUCTIONS = 500_000_000;
const haveQemu = onPath('qemu-system-i386');
const qemuRuns = new Map<string, RunOutcome>();

function runUnderQemu(c: GuestCase): RunOutcome {
  const entry = readManifest().find((e) => e.name === c.guest)!;
  const argv = [join(guestsDir, 'qemu-run.sh'), join(guestsDir, entry.image)];
  if (c.args !== undefined) argv.push(c.args);
  const r = spawnSync('bash', argv, { encoding: 'latin1', env: { ...process.env, QEMU_TIMEOUT: '60' } });
  if (r.error) throw r.error;
  return { serial: r.stdout, exitStatus: r.status };
}

describe.each(guestCases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
  it('under QEMU', (ctx) => {
    if (!haveQemu) {
      console.log('skipping QEMU run: qemu-system-i386 not found (apt-get install qemu-system-x86)');
      ctx.skip();
    }
    const run = runUnderQemu(c);
    qemuRuns.set(c.label, run);
    c.checkSerial(run.serial);
    expect(run.exitStatus).toBe(c.exitStatus);
  });

  it('on migtrace machine, the same as QEMU', () => {
    const machine = Machine.boot(guestImage(c.guest), c.args === undefined ? {} : { args: c.args });
    const result = machine.run({ maxInstructions: MAX_INSTRUCTIONS });

    expect(result.status, result.message).toBe('exited');
    c.checkSerial(result.serial);
    expect(result.exitStatus).toBe(c.exitStatus);
    const reference = qemuRuns.get(c.label);
    if (reference) {
      expect(result.serial).toBe(reference.serial);
      expect(result.exitStatus).toBe(reference.exitStatus);
    }
  });
});
