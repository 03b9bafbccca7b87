/**
 * Running one guest under QEMU (guests/qemu-run.sh) and on migtrace's machine, with the
 * extras the device guests need: QEMU arguments (-rtc base=...), serial input (QEMU reads
 * it from stdin once the guest is ready; migtrace gets an input script), a disk of the
 * test's own (migtrace --disk), the RTC start time. Used by the timer, rtc, serial-echo and
 * disk tests; qemu.test.ts covers the guests whose output needs none of this.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiskBacking } from '../../src/devices/disk-backing.js';
import type { InputScript } from '../../src/devices/input-script.js';
import { guestImage, guestsDir, onPath, readManifest } from './expectations.js';
import { Machine } from '../../src/board/machine.js';

export interface GuestRun {
  serial: string;
  exitStatus: number | null;
  /** Instructions executed (migtrace only). */
  icount?: number;
  /** How the machine run ended (migtrace only): 'exited', 'halted', 'limit', ... */
  status?: string;
  message?: string;
}

export const haveQemu = onPath('qemu-system-i386');
export const MAX_INSTRUCTIONS = 1_000_000_000;

export interface QemuOptions {
  /** More qemu-system-i386 arguments (QEMU_EXTRA_ARGS). */
  extraArgs?: string;
  /** Bytes for the serial receiver, sent once the output contains `inputAfter`. */
  input?: Uint8Array;
  inputAfter?: string;
}

export function runQemu(guest: string, args?: string, options: QemuOptions = {}): GuestRun {
  const entry = readManifest().find((e) => e.name === guest);
  if (!entry) throw new Error(`guest ${guest} is not in guests/manifest.json`);
  const argv = [join(guestsDir, 'qemu-run.sh'), join(guestsDir, entry.image)];
  if (args !== undefined) argv.push(args);
  const env: NodeJS.ProcessEnv = { ...process.env, QEMU_TIMEOUT: '60' };
  delete env.QEMU_EXTRA_ARGS;
  delete env.QEMU_INPUT;
  delete env.QEMU_INPUT_AFTER;
  if (options.extraArgs !== undefined) env.QEMU_EXTRA_ARGS = options.extraArgs;
  let scratch: string | null = null;
  try {
    if (options.input !== undefined) {
      scratch = mkdtempSync(join(tmpdir(), 'migtrace-qemu-input-'));
      env.QEMU_INPUT = join(scratch, 'serial.bin');
      writeFileSync(env.QEMU_INPUT, options.input);
      if (options.inputAfter !== undefined) env.QEMU_INPUT_AFTER = options.inputAfter;
    }
    const r = spawnSync('bash', argv, { encoding: 'latin1', env });
    if (r.error) throw r.error;
    return { serial: r.stdout, exitStatus: r.status };
  } finally {
    if (scratch !== null) rmSync(scratch, { recursive: true, force: true });
  }
}

export interface MachineOptions {
  input?: InputScript;
  disk?: DiskBacking;
  /** RTC start, Unix seconds (default 2026-01-01T00:00:00Z). */
  rtcStart?: number;
  maxInstructions?: number;
}

export async function runMachine(guest: string, args?: string, options: MachineOptions = {}): Promise<GuestRun> {
  const machine = Machine.boot(guestImage(guest), {
    ...(args === undefined ? {} : { args }),
    ...(options.input === undefined ? {} : { input: options.input }),
    ...(options.disk === undefined ? {} : { disk: options.disk }),
    ...(options.rtcStart === undefined ? {} : { rtcStart: options.rtcStart }),
  });
  const r = machine.run({ maxInstructions: options.maxInstructions ?? MAX_INSTRUCTIONS });
  return { serial: r.serial, exitStatus: r.exitStatus, icount: r.icount, status: r.status, message: r.message };
}

/** CRC-32 (IEEE, reflected 0xEDB88320), as guests/runtime/crc32.c: crc32("123456789") = 0xcbf43926. */
export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (const byte of data) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

export const hex8 = (v: number) => '0x' + (v >>> 0).toString(16).padStart(8, '0');
