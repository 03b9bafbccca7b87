/**
 * A run's setup — the guest image, its arguments, memory, input script, shared disk and RTC
 * start — and the two ways it travels: into a trace header and its blobs when a run is
 * recorded, and back out of them when `replay` re-runs the recording (format 1.1: a trace
 * carries what it takes to re-run it).
 *
 * The input script is stored in canonical form (docs/input-script.md, "Identity"): the exact
 * bytes whose sha256 is the script's hash, so the blob's hash is the header's
 * input_script_sha256 and comments or spelling in the source file never matter.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { packageRoot } from '../guests/catalog.js';
import { BOOT_ADDRESS, DEFAULT_MEMORY, type Machine } from '../board/machine.js';
import { bootFromImage } from '../board/boot.js';
import { bootConfigOf, decodeBootImage } from '../board/boot-spec.js';
import { CopyOnWriteDiskBacking, openDiskImage, type DiskBacking, SECTOR_SIZE } from '../devices/disk-backing.js';
import { hashInputEvents, type InputEvent, type InputScript, type InputTarget } from '../devices/input-script.js';
import { DEFAULT_RTC_START } from '../devices/rtc-cmos.js';
import { BLOB_GUEST_IMAGE, BLOB_INPUT_SCRIPT } from './format.js';
import { PAGE_BYTES } from './pages.js';
import type { TraceHeaderInfo } from './reader.js';
import { describeDevices, sha256, type TraceHeaderInit } from './writer.js';

/** A raw disk image shared by every run of a recording: opened read-only, written through an overlay. */
export interface SharedDisk {
  /** Absolute path. */
  readonly path: string;
  readonly sha256: string;
  readonly sectors: number;
  /** A fresh copy-on-write view: the file is never written, so a replay finds it as the recording did. */
  overlay(): DiskBacking;
  close(): void;
}

export interface RunSetup {
  /** What the run was asked to run: a guest name or an image path as given. */
  readonly label: string;
  /**
   * The boot image (src/board/boot-spec.ts): a raw disk image loaded at 0x7C00, or a boot
   * bundle (linux, rom, multiboot: mode, files, command line) — one byte string either way.
   */
  readonly image: Uint8Array;
  /** Guest arguments patched into the image; undefined leaves the image's argument region as built. */
  readonly args?: string;
  readonly memory?: number;
  readonly instructionsPerSecond?: number;
  /** RTC time at power-on, Unix seconds. */
  readonly rtcStart?: number;
  readonly input?: InputScript;
  /** Undefined: a private copy of the boot image (Machine.boot's default). */
  readonly disk?: SharedDisk;
  /** Device 1 (slave) on the primary ATA channel; undefined: none. */
  readonly slaveDisk?: SharedDisk;
}

/** Boot a fresh machine exactly as the setup says (in the boot image's mode). */
export function bootMachine(setup: RunSetup): Machine {
  return bootFromImage(setup.image, {
    memory: setup.memory ?? DEFAULT_MEMORY,
    args: setup.args,
    instructionsPerSecond: setup.instructionsPerSecond,
    rtcStart: setup.rtcStart ?? DEFAULT_RTC_START,
    input: setup.input,
    disk: setup.disk?.overlay(),
    slaveDisk: setup.slaveDisk?.overlay(),
  });
}

/** Open a raw disk image read-only and hash it (a recording and its replay must see the same bytes). */
export function openSharedDisk(path: string): SharedDisk {
  const file = openDiskImage(path, { readOnly: true });
  const h = createHash('sha256');
  const buf = new Uint8Array(1 << 20);
  const fd = openSync(file.path, 'r');
  try {
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return {
    path: file.path,
    sha256: h.digest('hex'),
    sectors: file.sectors,
    overlay: () => new CopyOnWriteDiskBacking(file),
    close: () => file.close(),
  };
}

let cachedToolVersion: string | undefined;

/** "migtrace 0.1.0": the package version, for trace headers. */
export function toolVersion(): string {
  if (cachedToolVersion === undefined) {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { name: string; version: string };
    cachedToolVersion = `${pkg.name} ${pkg.version}`;
  }
  return cachedToolVersion;
}

// ---------------------------------------------------------------- into a trace

/** Canonical input scripts (encodeInputScript's, cached) already found to hash to their script's hash. */
const hashChecked = new WeakSet<Uint8Array>();

/** The header (with RunConfig and blobs) of a recording of `machine`, booted from `setup`. */
export function traceHeaderFor(setup: RunSetup, machine: Machine, firstIcount = machine.clock.icount): TraceHeaderInit {
  const blobs = [{ name: BLOB_GUEST_IMAGE, data: setup.image }];
  let inputSha: string | undefined;
  if (setup.input !== undefined) {
    const canonical = encodeInputScript(setup.input.events);
    if (!hashChecked.has(canonical)) {
      if (sha256(canonical) !== setup.input.hash) {
        throw new Error(`input script ${setup.input.source}: canonical encoding does not hash to the script's hash (encoding out of step)`);
      }
      hashChecked.add(canonical);
    }
    inputSha = setup.input.hash;
    blobs.push({ name: BLOB_INPUT_SCRIPT, data: canonical });
  }
  const boot = bootConfigOf(decodeBootImage(setup.image));
  const imageSectors = Math.max(1, Math.ceil(setup.image.length / SECTOR_SIZE));
  return {
    machine: {
      memoryBytes: machine.memory.size,
      instructionsPerSecond: machine.clock.hz,
      devices: describeDevices(machine.devices),
    },
    guestImageSha256: sha256(setup.image),
    guestArgs: setup.args ?? '',
    inputScriptSha256: inputSha,
    toolVersion: toolVersion(),
    firstIcount,
    run: {
      guestArgsSet: setup.args !== undefined,
      rtcStart: setup.rtcStart ?? DEFAULT_RTC_START,
      disk:
        setup.disk === undefined
          ? { kind: 'boot-image', sectors: imageSectors }
          : { kind: 'file', path: setup.disk.path, sha256: setup.disk.sha256, sectors: setup.disk.sectors },
      inputEvents: setup.input?.events.length ?? 0,
      guestLabel: setup.label,
      slaveDisk: setup.slaveDisk === undefined ? undefined
        : { kind: 'file', path: setup.slaveDisk.path, sha256: setup.slaveDisk.sha256, sectors: setup.slaveDisk.sectors },
      boot,
    },
    blobs,
  };
}

// ---------------------------------------------------------------- out of a trace

export interface TraceBlobs {
  blob(name: string): Promise<Uint8Array | undefined>;
}

/**
 * The setup a trace was recorded with, from its header and blobs. `disk` points a file disk
 * elsewhere (it moved since the recording); its contents must still hash as recorded.
 */
export async function runSetupFromTrace(
  dir: string,
  header: TraceHeaderInfo,
  blobs: TraceBlobs,
  options: { disk?: string; slaveDisk?: string } = {},
): Promise<RunSetup> {
  const run = header.run;
  if (run === null) {
    throw new InputError(
      'TRACE_NOT_REPLAYABLE',
      `trace ${dir} does not say how to re-run it (format ${header.formatVersion.major}.${header.formatVersion.minor}, no run configuration)`,
    );
  }
  const image = await blobs.blob(BLOB_GUEST_IMAGE);
  if (image === undefined) throw new InputError('TRACE_NOT_REPLAYABLE', `trace ${dir} does not carry its guest image (blob "${BLOB_GUEST_IMAGE}")`);
  if (sha256(image) !== header.guestImageSha256) {
    throw new InputError('TRACE_CORRUPT', `trace ${dir} is corrupt: its guest image does not hash to the header's guest image sha256`);
  }
  // The header states the boot (2.1) and the blob holds it: they must say the same.
  const carried = bootConfigOf(decodeBootImage(image, `trace ${dir}'s guest image`));
  const differs = bootSaysOtherwise(run.boot, carried);
  if (differs !== null) throw new InputError('TRACE_CORRUPT', `trace ${dir} is corrupt: its header and its guest image describe different boots (${differs})`);
  let input: InputScript | undefined;
  if (header.inputScriptSha256 !== null) {
    const bytes = await blobs.blob(BLOB_INPUT_SCRIPT);
    if (bytes === undefined) throw new InputError('TRACE_NOT_REPLAYABLE', `trace ${dir} does not carry its input script (blob "${BLOB_INPUT_SCRIPT}")`);
    input = decodeInputScript(bytes, `${dir} (recorded input script)`);
    if (input.hash !== header.inputScriptSha256 || input.events.length !== run.inputEvents) {
      throw new InputError('TRACE_CORRUPT', `trace ${dir} is corrupt: its input script does not match the header's input script sha256`);
    }
  }
  let disk: SharedDisk | undefined;
  if (options.disk !== undefined && run.disk.kind !== 'file') {
    throw new InputError('DISK_NOT_USED', `--disk ${options.disk}: trace ${dir} was recorded without a disk file (its disk was the guest image), so there is none to replace`);
  }
  if (run.disk.kind === 'file') {
    const path = options.disk ?? run.disk.path;
    disk = openSharedDisk(path);
    if (disk.sha256 !== run.disk.sha256) {
      throw new InputError(
        'DISK_CHANGED',
        `disk image ${path} is not the one recorded in ${dir}: its sha256 is ${disk.sha256.slice(0, 16)}…, the recording's ${run.disk.sha256.slice(0, 16)}…`,
      );
    }
  }
  let slaveDisk: SharedDisk | undefined;
  if (options.slaveDisk !== undefined && run.slaveDisk === null) {
    throw new InputError('DISK_NOT_USED', `--slave-disk ${options.slaveDisk}: trace ${dir} was recorded without a slave disk, so there is none to replace`);
  }
  if (run.slaveDisk !== null) {
    const path = options.slaveDisk ?? run.slaveDisk.path;
    slaveDisk = openSharedDisk(path);
    if (slaveDisk.sha256 !== run.slaveDisk.sha256) {
      throw new InputError(
        'DISK_CHANGED',
        `slave disk image ${path} is not the one recorded in ${dir}: its sha256 is ${slaveDisk.sha256.slice(0, 16)}…, the recording's ${run.slaveDisk.sha256.slice(0, 16)}…`,
      );
    }
  }
  return {
    label: run.guestLabel,
    image,
    args: run.guestArgsSet ? header.guestArgs : undefined,
    memory: header.machine.memoryBytes,
    instructionsPerSecond: header.machine.instructionsPerSecond,
    rtcStart: run.rtcStart,
    input,
    disk,
    slaveDisk,
  };
}

/** What the header's boot config and the carried boot image disagree on, or null. */
function bootSaysOtherwise(a: ReturnType<typeof bootConfigOf>, b: ReturnType<typeof bootConfigOf>): string | null {
  const key = (x: typeof a) => (x === null ? 'disk' : JSON.stringify([x.mode, x.cmdline, x.files.map((f) => [f.role, f.sha256, f.length])]));
  return key(a) === key(b) ? null : `header: ${a?.mode ?? 'disk'}, image: ${b?.mode ?? 'disk'}`;
}

// ---------------------------------------------------------------- canonical input scripts

/** src/devices/input-script.ts hashes exactly these bytes (hashInputEvents); traceHeaderFor checks that they agree. */
const CANONICAL_MAGIC = 'migtrace-input-script-v1\n';
const EVENT_HEAD = 13;
/** Target codes, in canonical order: a code's meaning never changes. */
const INPUT_TARGETS: readonly InputTarget[] = ['serial', 'nic', 'keyboard'];

/** The canonical form of a script's events: magic line, then per event u64 LE icount, u8 target (0 serial, 1 nic, 2 keyboard), u32 LE length, bytes. */
export function encodeInputScript(events: readonly InputEvent[]): Uint8Array {
  const cached = canonicalOf.get(events);
  if (cached !== undefined) return cached;
  let size = CANONICAL_MAGIC.length;
  for (const e of events) size += EVENT_HEAD + e.data.length;
  const out = Buffer.alloc(size);
  let pos = out.write(CANONICAL_MAGIC, 0, 'latin1');
  for (const e of events) {
    // u64 LE as two u32 halves (icounts are below 2^53): a BigInt per event was most of a 10,000-frame script's cost.
    out.writeUInt32LE(e.icount % 0x1_0000_0000, pos);
    out.writeUInt32LE(Math.floor(e.icount / 0x1_0000_0000), pos + 4);
    out.writeUInt8(INPUT_TARGETS.indexOf(e.target), pos + 8);
    out.writeUInt32LE(e.data.length, pos + 9);
    out.set(e.data, pos + EVENT_HEAD);
    pos += EVENT_HEAD + e.data.length;
  }
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.length);
  canonicalOf.set(events, bytes);
  return bytes;
}

/**
 * Each script's canonical bytes, encoded once: every recording of a setup (a migration records
 * its reference, source and destination from one) carries them in its header. The events are
 * never changed after parsing; callers must not change the bytes either.
 */
const canonicalOf = new WeakMap<readonly InputEvent[], Uint8Array>();

export function decodeInputScript(bytes: Uint8Array, source: string): InputScript {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new InputError('TRACE_CORRUPT', `${source}: ${why}`);
  if (buf.toString('latin1', 0, CANONICAL_MAGIC.length) !== CANONICAL_MAGIC) throw bad('not a canonical input script');
  const events: InputEvent[] = [];
  let pos = CANONICAL_MAGIC.length;
  let previous = 0;
  while (pos < buf.length) {
    if (pos + EVENT_HEAD > buf.length) throw bad(`truncated event at byte ${pos}`);
    const icount = Number(buf.readBigUInt64LE(pos));
    const target = buf[pos + 8];
    const length = buf.readUInt32LE(pos + 9);
    if (target >= INPUT_TARGETS.length || icount < previous || pos + EVENT_HEAD + length > buf.length) throw bad(`bad event at byte ${pos}`);
    events.push({ icount, target: INPUT_TARGETS[target], data: Uint8Array.from(buf.subarray(pos + EVENT_HEAD, pos + EVENT_HEAD + length)) });
    previous = icount;
    pos += EVENT_HEAD + length;
  }
  return { source, events, hash: hashInputEvents(events) };
}
