/**
 * Machine state at one icount, wherever it comes from — a trace checkpoint (CPU, device
 * oracle states, page hashes), a destination's switch-over snapshot (everything, with page
 * bytes), or a live re-executed machine — and the comparison of two such points.
 *
 * Memory compares by bytes when both sides have them, else by page hashes (the trace's page
 * hash definition: src/trace/pages.ts), root first: equal roots, equal memory.
 */
import type { Machine } from '../src/board/machine.js';
import type { CpuState } from '../src/machine/cpu/cpu.js';
import { CopyOnWriteDiskBacking } from '../src/devices/disk-backing.js';
import type { StateSchema } from '../src/devices/schema.js';
import type { MachineSnapshot } from '../src/trace/machine-snapshot.js';
import { PAGE_BYTES, PageHashMap, comparePageHashes, hashPageInto } from '../src/trace/pages.js';
import type { CheckpointRecord, TraceReader } from '../src/trace/reader.js';
import { HASH_BYTES } from '../src/trace/format.js';
import { machinePages, oracleStates, snapshotPages, type LivePageHashes } from './machine-state.js';
import {
  compareCpu,
  compareDevices,
  comparePageSources,
  pageDifference,
  type DeviceState,
  type PageSource,
  type StateDifference,
} from './state-compare.js';
import { hex } from '../src/hex.js';

export type MemoryView =
  | { readonly kind: 'pages'; readonly pages: PageSource; readonly live?: LivePageHashes }
  | { readonly kind: 'hashes'; readonly root: string; load(): Promise<PageHashMap> };

export interface StatePoint {
  readonly icount: number;
  /** Where the state comes from: "reference checkpoint 3", "destination snapshot", "reference re-executed". */
  readonly source: string;
  readonly cpu: CpuState;
  /** A20 gate (unknown in checkpoints). */
  readonly a20: boolean | null;
  readonly devices: readonly DeviceState[];
  readonly memory: MemoryView;
  /** Written sectors of a copy-on-write disk overlay (unknown in checkpoints). */
  readonly disk: ReadonlyMap<number, Uint8Array> | null;
}

export function fromCheckpoint(reader: TraceReader, cp: CheckpointRecord, side: string): StatePoint {
  let map: Promise<PageHashMap> | null = null;
  return {
    icount: cp.icount,
    source: `${side} checkpoint ${cp.ordinal}`,
    cpu: cp.cpu,
    a20: null,
    devices: cp.devices.map((d) => ({ name: d.name, state: d.state })),
    memory: { kind: 'hashes', root: cp.root, load: () => (map ??= reader.pageHashesAt(cp)) },
    disk: null,
  };
}

export function fromSnapshot(s: MachineSnapshot, source: string): StatePoint {
  const disk = new Map<number, Uint8Array>();
  s.diskSectors?.forEach((lba, i) => disk.set(lba, s.diskData.subarray(i * 512, (i + 1) * 512)));
  return {
    icount: s.icount,
    source,
    cpu: s.cpu,
    a20: s.a20,
    devices: s.devices.map((d) => ({ name: d.name, state: d.state })),
    memory: { kind: 'pages', pages: snapshotPages(s) },
    disk: s.diskSectors === null ? null : disk,
  };
}

/** The machine's state now. Device and CPU state are copied; memory is read when compared (compare before running on). */
export function fromMachine(m: Machine, source: string, live?: LivePageHashes): StatePoint {
  const backing = m.board.disk.backing;
  return {
    icount: m.clock.icount,
    source,
    cpu: m.cpu.getState(),
    a20: m.memory.a20Enabled,
    devices: oracleStates(m),
    memory: { kind: 'pages', pages: machinePages(m), live },
    disk: backing instanceof CopyOnWriteDiskBacking ? new Map(backing.written) : null,
  };
}

function hashesOf(pages: PageSource): PageHashMap {
  const map = new PageHashMap(pages.ramPages);
  const scratch = new Uint8Array(HASH_BYTES);
  for (let p = 0; p < pages.ramPages; p++) {
    const bytes = pages.page(p);
    if (bytes === null) continue;
    hashPageInto(p, bytes, scratch, 0);
    map.set(p, scratch);
  }
  return map;
}

async function hashMap(m: MemoryView): Promise<PageHashMap> {
  if (m.kind === 'hashes') return m.load();
  return m.live !== undefined ? m.live.update() : hashesOf(m.pages);
}

function firstByteDifference(a: Uint8Array | null, b: Uint8Array | null): string {
  for (let i = 0; i < PAGE_BYTES; i++) {
    const x = a === null ? 0 : a[i];
    const y = b === null ? 0 : b[i];
    if (x !== y) {
      let n = 0;
      for (let j = i; j < PAGE_BYTES; j++) if ((a === null ? 0 : a[j]) !== (b === null ? 0 : b[j])) n++;
      return `${n} byte${n === 1 ? ' differs' : 's differ'}, first at offset ${hex(i, 3)}`;
    }
  }
  return 'equal';
}

/** Memory differences, one per page, ascending. */
export async function compareMemory(a: MemoryView, b: MemoryView): Promise<StateDifference[]> {
  if (a.kind === 'pages' && b.kind === 'pages' && a.live === undefined && b.live === undefined) {
    return comparePageSources(a.pages, b.pages).map((p) => {
      const d = firstByteDifference(a.pages.page(p), b.pages.page(p));
      return { ...pageDifference(p, 'bytes as reference', 'bytes as destination'), detail: d };
    });
  }
  if (a.kind === 'hashes' && b.kind === 'hashes' && a.root === b.root) return [];
  const [ha, hb] = await Promise.all([hashMap(a), hashMap(b)]);
  return comparePageHashes(ha, hb).map((p) => {
    const out = pageDifference(p, `hash ${ha.hashHex(p).slice(0, 12)}`, `hash ${hb.hashHex(p).slice(0, 12)}`);
    if (a.kind === 'pages' && b.kind === 'pages') return { ...out, detail: firstByteDifference(a.pages.page(p), b.pages.page(p)) };
    return out;
  });
}

function compareDisk(a: ReadonlyMap<number, Uint8Array>, b: ReadonlyMap<number, Uint8Array>): StateDifference[] {
  const out: StateDifference[] = [];
  const lbas = [...new Set([...a.keys(), ...b.keys()])].sort((x, y) => x - y);
  for (const lba of lbas) {
    const x = a.get(lba);
    const y = b.get(lba);
    if (x !== undefined && y !== undefined && Buffer.from(x).equals(Buffer.from(y))) continue;
    out.push({ kind: 'disk', path: `disk sector ${lba}`, reference: x === undefined ? 'as on the shared image' : 'written', destination: y === undefined ? 'as on the shared image' : 'written', essential: true });
  }
  return out;
}

/**
 * Every difference between two points (same icount expected): CPU, A20, devices (schema
 * driven: essential ones are failures, the rest notes), memory pages, disk overlay sectors.
 */
export async function compareStates(schemas: ReadonlyMap<string, StateSchema>, reference: StatePoint, destination: StatePoint): Promise<StateDifference[]> {
  const out: StateDifference[] = [];
  if (reference.icount !== destination.icount) {
    out.push({ kind: 'clock', path: 'clock.icount', reference: reference.icount, destination: destination.icount, essential: true });
  }
  out.push(...compareCpu(reference.cpu, destination.cpu));
  if (reference.a20 !== null && destination.a20 !== null && reference.a20 !== destination.a20) {
    out.push({ kind: 'cpu', path: 'machine.a20', reference: reference.a20, destination: destination.a20, essential: true });
  }
  out.push(...compareDevices(schemas, reference.devices, destination.devices));
  out.push(...(await compareMemory(reference.memory, destination.memory)));
  if (reference.disk !== null && destination.disk !== null) out.push(...compareDisk(reference.disk, destination.disk));
  return out;
}
