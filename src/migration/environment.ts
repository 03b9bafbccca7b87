/**
 * The environment both machines of a migration are attached to (ENVIRONMENT section): the
 * guest image and arguments a recording was made with, the shared disk, the outside world
 * (the recorded input script) and how far the recording went. The source describes it from
 * its run setup; the destination builds an identical machine from it and records a trace
 * that `replay` and the verifier can re-run.
 */
import { InputError } from '../errors.js';
import { DEFAULT_RTC_START } from '../devices/rtc-cmos.js';
import { Machine } from '../board/machine.js';
import { machineForBoot } from '../board/boot.js';
import { decodeInputScript, encodeInputScript, openSharedDisk, toolVersion, type RunSetup, type SharedDisk } from '../trace/run-setup.js';
import { sha256 } from '../trace/writer.js';
import type { PbEnvironment, PbMachine } from './stream.js';
import { checkBootCopies, type LocalCopies } from './local-copies.js';

/** The environment of a recording that ran to `runUntil` and ended with `status`. */
export function environmentOf(setup: RunSetup, runUntil: number, status: string): PbEnvironment {
  return {
    guestLabel: setup.label,
    guestImage: setup.image,
    guestArgsSet: setup.args !== undefined,
    guestArgs: setup.args ?? '',
    rtcStart: setup.rtcStart ?? DEFAULT_RTC_START,
    disk:
      setup.disk === undefined
        ? null
        : { file: true, path: setup.disk.path, sha256: setup.disk.sha256, sectors: setup.disk.sectors },
    slaveDisk:
      setup.slaveDisk === undefined
        ? null
        : { file: true, path: setup.slaveDisk.path, sha256: setup.slaveDisk.sha256, sectors: setup.slaveDisk.sectors },
    inputScript: setup.input === undefined ? new Uint8Array(0) : encodeInputScript(setup.input.events),
    runUntil,
    referenceStatus: status,
    toolVersion: toolVersion(),
  };
}

/** True when the source described a recording (not a bare machine). */
export function hasRecording(env: PbEnvironment): boolean {
  return env.guestImage.length > 0;
}

/**
 * The run setup the environment describes, for a destination with `memory` bytes of RAM (the
 * source's, or more). A shared disk file must be there and hash as the source's did; the
 * destination's own copies (`local`: migrate --incoming --kernel, --initrd, --disk,
 * --slave-disk) must be the source's files byte for byte (local-copies.ts).
 */
export function setupOf(env: PbEnvironment, source: PbMachine, memory = source.memoryBytes, local: LocalCopies = {}): RunSetup {
  if (!hasRecording(env)) throw new InputError('NO_ENVIRONMENT', 'the source did not describe a recording (no guest image in ENVIRONMENT)');
  checkBootCopies(env.guestImage, local);
  const disk = sharedDisk(env.disk, local.disk, 'disk', '--disk');
  let slaveDisk: RunSetup['slaveDisk'];
  try {
    slaveDisk = sharedDisk(env.slaveDisk ?? null, local.slaveDisk, 'slave disk', '--slave-disk');
  } catch (err) {
    disk?.close();
    throw err;
  }
  return {
    label: env.guestLabel,
    image: env.guestImage,
    args: env.guestArgsSet ? env.guestArgs : undefined,
    memory,
    instructionsPerSecond: source.instructionsPerSecond,
    rtcStart: env.rtcStart,
    input: env.inputScript.length === 0 ? undefined : decodeInputScript(env.inputScript, 'the source\'s input script'),
    disk,
    slaveDisk,
  };
}

/**
 * A fresh destination machine: the same board, memory (or `memory`), clock rate, disk and
 * outside world; RAM empty, the CPU at reset. Nothing is loaded: everything else migrates.
 */
export function destinationMachine(source: PbMachine, env: PbEnvironment, memory = source.memoryBytes, local: LocalCopies = {}): Machine {
  if (!hasRecording(env)) return new Machine({ memory, instructionsPerSecond: source.instructionsPerSecond });
  const setup = setupOf(env, source, memory, local);
  // The boot's fixed memory map comes too (a ROM's read-only ranges): it is the board's, not RAM's.
  return machineForBoot(setup.image, {
    memory,
    instructionsPerSecond: setup.instructionsPerSecond,
    rtcStart: setup.rtcStart,
    input: setup.input,
    // The disk both machines share: the file, or the boot image, each behind a private overlay
    // that the source's writes (STORAGE) fill in.
    disk: setup.disk?.overlay(),
    slaveDisk: setup.slaveDisk?.overlay(),
  });
}

/**
 * The disk the source names (`theirs`), opened here: at the source's path (shared storage),
 * or at `mine` (the destination's own copy); either must hash as the source's did.
 */
function sharedDisk(theirs: PbEnvironment['disk'], mine: string | undefined, what: string, flag: string): SharedDisk | undefined {
  if (theirs === null || !theirs.file) {
    if (mine !== undefined) throw new InputError('LOCAL_COPY_DIFFERS', `the destination was given ${flag} ${mine}, but the source has no shared ${what} file (${what === 'disk' ? 'its primary disk is a private copy of its boot image' : 'it has none'})`);
    return undefined;
  }
  const disk = openSharedDisk(mine ?? theirs.path);
  if (disk.sha256 !== theirs.sha256) {
    disk.close();
    const where = mine === undefined ? `the shared ${what} ${theirs.path}` : `the destination's ${what} ${disk.path}`;
    throw new InputError('DISK_CHANGED', `${where} is not the source's: its sha256 is ${disk.sha256.slice(0, 16)}…, the source's ${theirs.sha256.slice(0, 16)}…${mine === undefined ? '' : ` (${theirs.path})`}`);
  }
  return disk;
}

/** sha256 of the guest image, for messages. */
export function imageId(env: PbEnvironment): string {
  return sha256(env.guestImage).slice(0, 16);
}
