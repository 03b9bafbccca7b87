/**
 * Every guest under QEMU (the reference PC) and under migtrace's own machine: the serial
 * output and the exit status must meet the expectations in expectations.ts, and the two
 * machines must agree byte for byte. Either half skips, saying why, when its machine is
 * not available.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { guestCases, guestImage, guestsDir, onPath, readManifest, repoRoot, type GuestCase } from './expectations.js';

interface RunOutcome {
  serial: string;
  exitStatus: number | null;
}

/** The slice of src/machine/machine.ts this test uses. */
interface MachineModule {
  Machine: {
    boot(
      image: Uint8Array,
      options: { memory?: number; args?: string },
    ): {
      run(options: { maxInstructions?: number }): {
        status: string;
        exitStatus: number | null;
        icount: number;
        serial: string;
        message: string;
      };
    };
  };
}

const MACHINE_FILES = ['src/machine/machine.ts', 'src/machine/cpu/cpu.ts'].map((f) => join(repoRoot, f));
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

  it('on migtrace machine, the same as QEMU', async (ctx) => {
    const absent = MACHINE_FILES.filter((f) => !existsSync(f));
    if (absent.length > 0) {
      console.log(`skipping machine run: ${absent.map((f) => f.slice(repoRoot.length + 1)).join(', ')} not written yet`);
      ctx.skip();
    }
    const { Machine } = (await import(pathToFileURL(MACHINE_FILES[0]).href)) as MachineModule;
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
