/**
 * What the verifier reads from a live machine, and how it goes back in time cheaply.
 *
 * - device and CPU state through the oracle (verify/ may; migration code may not);
 * - page hashes kept current through the machine's dirty log (one client each), so a state
 *   hash costs the pages dirtied since the last one, never all of memory;
 * - MachineKeeper: a saved point to re-run from (bisection). RAM is shadowed sparsely (the
 *   non-zero pages, once; a 64 MiB machine is mostly zero pages, and copying all of it cost
 *   ~250 ms of page faults per machine, measured) and then only dirty pages are copied on
 *   save and back on restore, so a save costs microseconds plus the pages touched since the
 *   last one.
 */
import type { Machine } from '../src/board/machine.js';
import type { AnyDevice } from '../src/board/board.js';
import type { CpuState } from '../src/machine/cpu/cpu.js';
import { CopyOnWriteDiskBacking } from '../src/devices/disk-backing.js';
import type { StateSchema, StateSnapshot } from '../src/devices/schema.js';
import { HASH_BYTES } from '../src/trace/format.js';
import { PAGE_BYTES, PageHashMap, hashPageInto, isZeroPage } from '../src/trace/pages.js';
import type { DirtyClient } from '../src/machine/memory.js';
import type { MachineSnapshot } from '../src/trace/machine-snapshot.js';
import type { DeviceState, PageSource } from './state-compare.js';

export function deviceSchemas(machine: Machine): Map<string, StateSchema> {
  return new Map(machine.devices.map((d) => [d.name, d.schema]));
}

/** Every device's oracle state (declared fields, timers as offsets from now). */
export function oracleStates(machine: Machine): DeviceState[] {
  return machine.devices.map((d: AnyDevice) => ({ name: d.name, state: d.oracle().state }));
}

export function machinePages(machine: Machine): PageSource {
  const memory = machine.memory;
  return { ramPages: memory.ramPages, page: (n) => memory.page(n) };
}

export function snapshotPages(s: MachineSnapshot): PageSource {
  const index = new Map<number, number>();
  s.pages.forEach((p, i) => index.set(p, i));
  return {
    ramPages: s.memoryBytes / PAGE_BYTES,
    page: (n) => {
      const i = index.get(n);
      return i === undefined ? null : s.pageData.subarray(i * PAGE_BYTES, (i + 1) * PAGE_BYTES);
    },
  };
}

/**
 * Watches a machine from power-on so that, later, the pages it may have written are known
 * without reading all of RAM: the boot image's pages plus every page dirtied since.
 */
export class WrittenPages {
  private readonly client: DirtyClient;
  private readonly pages = new Set<number>();

  /** `bootPages`: the pages the boot image was loaded into (before any dirty-log client existed). */
  constructor(
    private readonly machine: Machine,
    bootPages: Iterable<number>,
  ) {
    this.client = machine.memory.dirty.createClient('verify-written-pages');
    this.client.takeAndClear();
    for (const p of bootPages) this.pages.add(p);
  }

  /** Pages that may be non-zero now, ascending. */
  take(): number[] {
    for (const p of this.client.takeAndClear()) this.pages.add(p);
    return [...this.pages].sort((a, b) => a - b);
  }

  dispose(): void {
    this.machine.memory.dirty.removeClient(this.client);
  }
}

/** Page hashes of a live machine (the trace's page-hash definition), updated from its dirty log. */
export class LivePageHashes {
  readonly map: PageHashMap;
  private readonly client: DirtyClient;
  private readonly scratch = new Uint8Array(HASH_BYTES);

  /**
   * `nonZero`: pages that may be non-zero now (every other one is known to be zero), so a
   * fresh 64 MiB machine is not read page by page; all pages when omitted.
   */
  constructor(
    private readonly machine: Machine,
    nonZero?: Iterable<number>,
  ) {
    const memory = machine.memory;
    this.map = new PageHashMap(memory.ramPages);
    this.client = memory.dirty.createClient('verify-page-hashes');
    this.client.takeAndClear();
    if (nonZero === undefined) for (let p = 0; p < memory.ramPages; p++) this.rehash(p);
    else for (const p of nonZero) this.rehash(p);
  }

  /** Bring the map up to date: hashes only the pages dirtied since the last call. */
  update(): PageHashMap {
    const dirty = this.client.takeAndClear();
    for (let i = 0; i < dirty.length; i++) this.rehash(dirty[i]);
    return this.map;
  }

  private rehash(p: number): void {
    if (p >= this.map.ramPages) return;
    hashPageInto(p, this.machine.memory.page(p), this.scratch, 0);
    if (!this.map.matches(p, this.scratch)) this.map.set(p, this.scratch);
  }

  dispose(): void {
    this.machine.memory.dirty.removeClient(this.client);
  }
}

interface SavedPoint {
  readonly icount: number;
  readonly cpu: CpuState;
  readonly devices: readonly StateSnapshot[];
  readonly a20: boolean;
  readonly disk: Map<number, Uint8Array> | null;
}

/**
 * A saved point of one machine, to come back to. Restoring into the same machine copies back
 * only the pages dirtied since the save; into another machine (a fresh one, when the guest
 * had exited and a Machine cannot be un-stopped), all of RAM.
 */
export class MachineKeeper {
  /** Page contents at the saved point; a page not here was all zeros. */
  private readonly shadow = new Map<number, Uint8Array>();
  private client: DirtyClient;
  private point: SavedPoint | null = null;

  /** `nonZero`: as for LivePageHashes, the pages that may be non-zero now (all when omitted). */
  constructor(
    private machine: Machine,
    nonZero?: Iterable<number>,
  ) {
    const memory = machine.memory;
    if (nonZero === undefined) for (let p = 0; p < memory.ramPages; p++) this.keepPage(p);
    else for (const p of nonZero) if (p < memory.ramPages) this.keepPage(p);
    this.client = machine.memory.dirty.createClient('verify-keeper');
    this.client.takeAndClear();
    this.save();
  }

  get icount(): number {
    return this.point!.icount;
  }

  get current(): Machine {
    return this.machine;
  }

  /** Keep page `p` as it is now (or forget it: an all-zero page needs no copy). */
  private keepPage(p: number): void {
    const bytes = this.machine.memory.page(p);
    if (isZeroPage(bytes)) this.shadow.delete(p);
    else {
      const kept = this.shadow.get(p);
      if (kept === undefined) this.shadow.set(p, bytes.slice());
      else kept.set(bytes);
    }
  }

  /** Make the machine's state now the point to come back to. */
  save(): void {
    const m = this.machine;
    const dirty = this.client.takeAndClear();
    for (let i = 0; i < dirty.length; i++) this.keepPage(dirty[i]);
    const backing = m.board.disk.backing;
    this.point = {
      icount: m.clock.icount,
      cpu: m.cpu.getState(),
      devices: m.devices.map((d) => d.snapshot()),
      a20: m.memory.a20Enabled,
      disk: backing instanceof CopyOnWriteDiskBacking ? new Map(backing.written) : null,
    };
  }

  /**
   * Go back to the saved point. `fresh` builds an identical machine, used when the current one
   * has stopped for good (the guest exited): the keeper then follows the new machine.
   */
  restore(fresh?: () => Machine): Machine {
    const p = this.point!;
    let m = this.machine;
    if (m.stopped && fresh !== undefined) {
      const next = fresh();
      // A fresh machine holds its boot image: pages the saved point has as zeros are cleared.
      for (let n = 0; n < next.memory.ramPages; n++) if (!this.shadow.has(n) && !isZeroPage(next.memory.page(n))) next.memory.page(n).fill(0);
      for (const [n, bytes] of this.shadow) next.memory.ram.set(bytes, n * PAGE_BYTES);
      next.memory.dirty.markAll();
      this.machine = m = next;
      // The old machine's dirty client is gone with it; the new one's log starts now.
      this.client = next.memory.dirty.createClient('verify-keeper');
      this.client.takeAndClear();
    } else {
      const ram = m.memory.ram;
      const dirty = this.client.takeAndClear();
      for (let i = 0; i < dirty.length; i++) {
        const at = dirty[i] * PAGE_BYTES;
        const kept = this.shadow.get(dirty[i]);
        if (kept === undefined) ram.fill(0, at, at + PAGE_BYTES);
        else ram.set(kept, at);
        m.memory.dirty.mark(dirty[i]); // other dirty-log clients must see the page change back
      }
      this.client.takeAndClear(); // those marks are the restore's own
    }
    m.clock.icount = p.icount;
    const backing = m.board.disk.backing;
    if (backing instanceof CopyOnWriteDiskBacking && p.disk !== null) {
      backing.written.clear();
      for (const [lba, data] of p.disk) backing.written.set(lba, data);
    }
    m.cpu.setState(p.cpu);
    m.devices.forEach((d, i) => d.restore(p.devices[i]));
    m.memory.setA20(p.a20);
    m.interrupts.update();
    return m;
  }

  /** The saved point as a machine snapshot (to put onto another machine). */
  snapshot(): MachineSnapshot {
    const p = this.point!;
    const m = this.machine;
    const pages = [...this.shadow.keys()].sort((a, b) => a - b);
    const pageData = new Uint8Array(pages.length * PAGE_BYTES);
    pages.forEach((n, i) => pageData.set(this.shadow.get(n)!, i * PAGE_BYTES));
    const lbas = p.disk === null ? null : [...p.disk.keys()].sort((a, b) => a - b);
    const diskData = new Uint8Array((lbas?.length ?? 0) * 512);
    lbas?.forEach((lba, i) => diskData.set(p.disk!.get(lba)!.subarray(0, 512), i * 512));
    return {
      icount: p.icount,
      a20: p.a20,
      memoryBytes: m.memory.size,
      instructionsPerSecond: m.clock.hz,
      cpu: p.cpu,
      devices: m.devices.map((d, i) => ({ id: d.id, name: d.name, schemaVersion: d.schema.version, state: p.devices[i] })),
      pages: Uint32Array.from(pages),
      pageData,
      diskSectors: lbas === null ? null : Uint32Array.from(lbas),
      diskData,
    };
  }
}
