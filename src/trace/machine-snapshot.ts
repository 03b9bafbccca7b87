/**
 * A whole machine's state at one icount, as bytes: what a migration's destination looks like
 * right after reconstruction, at the switch-over icount. The migrate command stores it in the
 * destination trace (blob MACHINE_SNAPSHOT_BLOB), so the verifier can restore the destination
 * into a freshly built, identical machine and replay it without re-running the migration.
 *
 * Contents: the clock's icount, the A20 gate, the CPU state (cpu.getState(): registers,
 * hidden segment caches, interrupt shadow, halted), every device's snapshot() (schema-driven;
 * pending timers as offsets from now, re-armed on restore), every non-zero RAM page, and the
 * shared disk's copy-on-write overlay (the sectors written so far: storage is shared, never
 * migrated, but a destination rebuilt from the trace must see what the guest wrote before).
 *
 * Layout (Firecracker's rule: magic, version, state, checksum; refuse a different major or a
 * newer minor, with both versions in the message):
 *
 *     "MIGTRACE-MSNAP\n\0"            16 bytes
 *     le16 major, le16 minor
 *     le32 n, n bytes of JSON         icount, a20, memory, cpu, devices, page and sector numbers
 *     le32 m, m bytes                 raw deflate (level 1) of the listed pages, then sectors
 *     sha256 of every byte before it  32 bytes
 *
 * One deflate stream over all pages compresses better and runs faster than one per page;
 * zero pages are left out entirely (a fresh 64 MiB machine is a few KiB).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { InputError } from '../errors.js';
import type { CpuState } from '../machine/cpu/cpu.js';
import type { Machine } from '../board/machine.js';
import { CopyOnWriteDiskBacking, SECTOR_SIZE } from '../devices/disk-backing.js';
import type { StateSnapshot } from '../devices/schema.js';
import { PAGE_BYTES, isZeroPage, maybeNonZeroPages } from './pages.js';
import { badBlob, openSealedBlob, sealBlob, type SealedFormat } from './sealed-blob.js';

export const MACHINE_SNAPSHOT_MAGIC = 'MIGTRACE-MSNAP\n\0';
export const MACHINE_SNAPSHOT_MAJOR = 1;
export const MACHINE_SNAPSHOT_MINOR = 0;
/** The blob name under which a destination trace carries its machine snapshot at the switch-over. */
export const MACHINE_SNAPSHOT_BLOB = 'machine-snapshot@switch-over';

const FORMAT: SealedFormat = {
  magic: MACHINE_SNAPSHOT_MAGIC,
  major: MACHINE_SNAPSHOT_MAJOR,
  minor: MACHINE_SNAPSHOT_MINOR,
  noun: 'machine snapshot',
  versionNoun: 'snapshot format',
  badCode: 'BAD_MACHINE_SNAPSHOT',
  versionCode: 'MACHINE_SNAPSHOT_VERSION_UNSUPPORTED',
};

export interface DeviceSnapshotEntry {
  /** Bus device id. */
  readonly id: number;
  /** Schema device name, e.g. "pic.master". */
  readonly name: string;
  readonly schemaVersion: number;
  /** device.snapshot(): declared fields, timers as instructions from `icount` (-1 disarmed). */
  readonly state: StateSnapshot;
}

export interface MachineSnapshot {
  readonly icount: number;
  readonly a20: boolean;
  readonly memoryBytes: number;
  readonly instructionsPerSecond: number;
  readonly cpu: CpuState;
  readonly devices: readonly DeviceSnapshotEntry[];
  /** Non-zero RAM pages, ascending. */
  readonly pages: Uint32Array;
  /** 4096 bytes per entry of `pages`, same order. */
  readonly pageData: Uint8Array;
  /**
   * Sectors the guest wrote to the shared disk (a copy-on-write overlay), ascending, or null
   * when the machine's disk is not an overlay (a file the two machines really share).
   */
  readonly diskSectors: Uint32Array | null;
  /** 512 bytes per entry of `diskSectors`. */
  readonly diskData: Uint8Array;
}

interface SnapshotJson {
  icount: number;
  a20: boolean;
  memoryBytes: number;
  instructionsPerSecond: number;
  cpu: CpuState;
  devices: DeviceSnapshotEntry[];
  pages: number[];
  diskSectors: number[] | null;
}

/** The state of `machine` now. Nothing in the machine changes. */
export function captureMachineSnapshot(machine: Machine): MachineSnapshot {
  const memory = machine.memory;
  const pages: number[] = [];
  // Whole zero megabytes are skipped with one compare each; the rest page by page.
  for (const p of maybeNonZeroPages(memory)) if (!isZeroPage(memory.page(p))) pages.push(p);
  const pageData = new Uint8Array(pages.length * PAGE_BYTES);
  pages.forEach((p, i) => pageData.set(memory.page(p), i * PAGE_BYTES));

  let diskSectors: Uint32Array | null = null;
  let diskData = new Uint8Array(0);
  const backing = machine.board.disk.backing;
  if (backing instanceof CopyOnWriteDiskBacking) {
    const lbas = [...backing.written.keys()].sort((a, b) => a - b);
    diskSectors = Uint32Array.from(lbas);
    diskData = new Uint8Array(lbas.length * SECTOR_SIZE);
    lbas.forEach((lba, i) => diskData.set(backing.written.get(lba)!.subarray(0, SECTOR_SIZE), i * SECTOR_SIZE));
  }

  return {
    icount: machine.clock.icount,
    a20: memory.a20Enabled,
    memoryBytes: memory.size,
    instructionsPerSecond: machine.clock.hz,
    cpu: machine.cpu.getState(),
    devices: machine.devices.map((d) => ({ id: d.id, name: d.name, schemaVersion: d.schema.version, state: d.snapshot() })),
    pages: Uint32Array.from(pages),
    pageData,
    diskSectors,
    diskData,
  };
}

export function encodeMachineSnapshot(s: MachineSnapshot): Uint8Array {
  const json: SnapshotJson = {
    icount: s.icount,
    a20: s.a20,
    memoryBytes: s.memoryBytes,
    instructionsPerSecond: s.instructionsPerSecond,
    cpu: s.cpu,
    devices: s.devices.map((d) => ({ id: d.id, name: d.name, schemaVersion: d.schemaVersion, state: d.state })),
    pages: [...s.pages],
    diskSectors: s.diskSectors === null ? null : [...s.diskSectors],
  };
  return sealBlob(FORMAT, json, deflateRawSync(Buffer.concat([s.pageData, s.diskData]), { level: 1 }));
}

/** Parse and check a snapshot. `what` names it in errors ("the snapshot in trace d"). */
export function decodeMachineSnapshot(bytes: Uint8Array, what = 'machine snapshot'): MachineSnapshot {
  const opened = openSealedBlob(FORMAT, bytes, what, 'snapshot');
  const json = opened.json as SnapshotJson;
  const raw = inflateRawSync(opened.body);
  const pageBytes = json.pages.length * PAGE_BYTES;
  const sectors = json.diskSectors;
  const diskBytes = sectors === null ? 0 : sectors.length * SECTOR_SIZE;
  if (raw.length !== pageBytes + diskBytes) throw badBlob(FORMAT, what, 'page data does not match the page list');
  const copy = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  return {
    icount: json.icount,
    a20: json.a20,
    memoryBytes: json.memoryBytes,
    instructionsPerSecond: json.instructionsPerSecond,
    cpu: json.cpu,
    devices: json.devices,
    pages: Uint32Array.from(json.pages),
    pageData: copy.subarray(0, pageBytes),
    diskSectors: sectors === null ? null : Uint32Array.from(sectors),
    diskData: copy.subarray(pageBytes, pageBytes + diskBytes),
  };
}

/** Why `machine` cannot take this snapshot (not an identical machine), or null when it can. */
export function snapshotMismatch(machine: Machine, s: MachineSnapshot): string | null {
  if (machine.memory.size !== s.memoryBytes) {
    return `the snapshot is of a machine with ${s.memoryBytes} bytes of RAM, this one has ${machine.memory.size}`;
  }
  if (machine.clock.hz !== s.instructionsPerSecond) {
    return `the snapshot's machine runs ${s.instructionsPerSecond} instructions per virtual second, this one ${machine.clock.hz}`;
  }
  const have = machine.devices;
  if (have.length !== s.devices.length) {
    return `the snapshot lists ${s.devices.length} devices, this machine has ${have.length}`;
  }
  for (let i = 0; i < have.length; i++) {
    const d = have[i];
    const e = s.devices[i];
    if (d.name !== e.name || d.id !== e.id) {
      return `device ${i} is ${e.name} (bus id ${e.id}) in the snapshot, ${d.name} (bus id ${d.id}) here`;
    }
    if (d.schema.version !== e.schemaVersion) {
      return `${d.name} has state schema version ${e.schemaVersion} in the snapshot, ${d.schema.version} here`;
    }
  }
  if (s.diskSectors !== null && s.diskSectors.length > 0 && !(machine.board.disk.backing instanceof CopyOnWriteDiskBacking)) {
    return 'the snapshot carries written disk sectors, but this machine\'s disk is not a copy-on-write overlay';
  }
  return null;
}

/**
 * Put `snapshot` (bytes or decoded) onto `machine`, which must be built identically (same RAM,
 * same devices in the same order with the same schema versions) and should be fresh: attach
 * trace writers and dirty-log clients afterwards, or expect every page to read as dirty.
 */
export function restoreMachineSnapshot(machine: Machine, snapshot: Uint8Array | MachineSnapshot): MachineSnapshot {
  const s = snapshot instanceof Uint8Array ? decodeMachineSnapshot(snapshot) : snapshot;
  const problem = snapshotMismatch(machine, s);
  if (problem !== null) throw new InputError('SNAPSHOT_MACHINE_MISMATCH', `cannot restore the machine snapshot: ${problem}`);

  // Time first: device timers re-arm relative to it.
  machine.clock.icount = s.icount;

  const memory = machine.memory;
  memory.ram.fill(0);
  for (let i = 0; i < s.pages.length; i++) {
    memory.ram.set(s.pageData.subarray(i * PAGE_BYTES, (i + 1) * PAGE_BYTES), s.pages[i] * PAGE_BYTES);
  }
  memory.dirty.markAll(); // every consumer must treat all of memory as changed
  memory.codeWritten(0, memory.size);

  const backing = machine.board.disk.backing;
  if (backing instanceof CopyOnWriteDiskBacking && s.diskSectors !== null) {
    backing.written.clear();
    s.diskSectors.forEach((lba, i) => backing.written.set(lba, s.diskData.slice(i * SECTOR_SIZE, (i + 1) * SECTOR_SIZE)));
  }

  machine.cpu.setState(s.cpu);
  machine.devices.forEach((d, i) => d.restore(s.devices[i].state));
  // A20 as memory had it (sysctl's afterRestore set it from its own bit; they agree unless forced).
  memory.setA20(s.a20);
  machine.interrupts.update();
  return s;
}
