/**
 * Migration harness for the hypervisor tests: boot a guest with the thin hypervisor attached,
 * run it to a point, capture through the bus, build a fresh destination (memory and CPU
 * copied directly here — the migration engine's job, not the hypervisor's), reconstruct its
 * devices through the bus, and compare both machines' oracle views (tests may use the oracle;
 * the hypervisor may not).
 */
import { join } from 'node:path';
import { Machine, type MachineOptions } from '../../src/board/machine.js';
import { CopyOnWriteDiskBacking, type DiskBacking } from '../../src/devices/disk-backing.js';
import { loadInputScript, type InputScript } from '../../src/devices/input-script.js';
import { diffSnapshots, fieldPath, isEssential, type StateSnapshot } from '../../src/devices/schema.js';
import { BareMetalHypervisor } from '../../src/hypervisor/hypervisor.js';
import { reconstructDevices, reconstructionBudget } from '../../src/hypervisor/destination.js';
import type { CaptureResult, HypervisorOptions, ReconstructReport } from '../../src/hypervisor/api.js';
import { guestImage, guestsDir } from '../guests/expectations.js';

export const LIMIT = 2_000_000_000;

export interface GuestSetup {
  guest: string;
  args?: string;
  input?: string;
  /** A slave disk (ata0.slave) for each machine booted: a fresh backing per call. */
  slaveDisk?: () => DiskBacking;
}

export function inputScript(name: string): InputScript {
  return loadInputScript(join(guestsDir, 'inputs', name));
}

export function machineOptions(setup: GuestSetup): MachineOptions {
  const o: MachineOptions = {};
  if (setup.args !== undefined) o.args = setup.args;
  if (setup.input !== undefined) o.input = inputScript(setup.input);
  if (setup.slaveDisk !== undefined) o.slaveDisk = setup.slaveDisk();
  return o;
}

export function bootWithHypervisor(setup: GuestSetup, options: Partial<HypervisorOptions> = {}): { machine: Machine; hv: BareMetalHypervisor } {
  const machine = Machine.boot(guestImage(setup.guest), machineOptions(setup));
  const hv = BareMetalHypervisor.attach(machine, options);
  return { machine, hv };
}

/** Every device's declared state (the oracle), by name. */
export function oracleStates(m: Machine): Map<string, StateSnapshot> {
  return new Map(m.devices.map((d) => [d.name, d.oracle().state]));
}

export interface FieldDiff {
  path: string;
  essential: boolean;
  source: number;
  destination: number;
}

export function compareDevices(a: Machine, sa: Map<string, StateSnapshot>, sb: Map<string, StateSnapshot>, skip = new Set(['input'])): FieldDiff[] {
  const out: FieldDiff[] = [];
  for (const d of a.devices) {
    if (skip.has(d.name)) continue;
    for (const x of diffSnapshots(d.schema, sa.get(d.name)!, sb.get(d.name)!)) {
      out.push({ path: fieldPath(x), essential: isEssential(x.field), source: x.a, destination: x.b });
    }
  }
  return out;
}

function copyDisk(disk: DiskBacking): DiskBacking {
  if (disk instanceof CopyOnWriteDiskBacking) {
    const d = new CopyOnWriteDiskBacking(disk.base);
    for (const [k, v] of disk.written) d.written.set(k, v.slice());
    return d;
  }
  return disk;
}

export interface Migration {
  /** What the source printed up to the switch-over. */
  serialBefore: string;
  framesBefore: Uint8Array[];
  capture: CaptureResult;
  report: ReconstructReport;
  dest: Machine;
  /** Source oracle at the switch-over (before capture). */
  sourceAtSwitch: Map<string, StateSnapshot>;
  diffs: FieldDiff[];
  notes: string[];
}

/** Capture the running source and reconstruct a fresh destination from it. */
export function migrate(source: Machine, hv: BareMetalHypervisor, setup: GuestSetup, options: Partial<HypervisorOptions> = {}, budget?: number): Migration {
  const sourceAtSwitch = oracleStates(source);
  const inputState = source.board.input.oracle().state;
  const cpu = source.cpu.getState();
  const switchIcount = source.clock.icount;
  const serialBefore = source.serialText;
  const framesBefore = source.framesOut.slice();
  const capture = hv.captureDevices();
  const notes = [...hv.lastNotes];

  const dest = Machine.boot(guestImage(setup.guest), {
    ...machineOptions(setup),
    disk: copyDisk(source.board.disk.backing),
    ...(source.board.slave === null ? {} : { slaveDisk: copyDisk(source.board.slave.backing) }),
  });
  // The outside world's position (the input script) is the engine's, not the hypervisor's.
  const delivery = inputState.delivery_timer as number;
  dest.board.input.restore({ next_event: inputState.next_event, delivery_timer: delivery < 0 ? -1 : delivery + switchIcount });
  const window = budget ?? reconstructionBudget(capture, source.clock.hz);
  const start = Math.max(0, switchIcount - window);
  dest.advancePaused(start);
  dest.memory.ram.set(source.memory.ram);
  const report = reconstructDevices(dest, capture, { attach: 'boot', agent: false, faults: options.faults ?? new Set() });
  dest.cpu.setState(cpu);
  const diffs = compareDevices(source, sourceAtSwitch, oracleStates(dest));
  return { serialBefore, framesBefore, capture, report, dest, sourceAtSwitch, diffs, notes: [...notes, ...report.notes] };
}

/** Run to the end; the serial text is everything the guest printed. */
export function finish(m: Machine): { serial: string; frames: Uint8Array[]; status: string; exitStatus: number | null } {
  const r = m.run({ maxInstructions: LIMIT });
  return { serial: r.serial, frames: m.framesOut, status: r.status, exitStatus: r.exitStatus };
}

/** The unmigrated reference run. */
export function reference(setup: GuestSetup): { serial: string; frames: Uint8Array[]; icount: number } {
  const m = Machine.boot(guestImage(setup.guest), machineOptions(setup));
  const r = m.run({ maxInstructions: LIMIT });
  return { serial: r.serial, frames: m.framesOut, icount: r.icount };
}

export function essential(diffs: FieldDiff[]): string[] {
  return diffs.filter((d) => d.essential).map((d) => `${d.path}: source ${d.source}, destination ${d.destination}`);
}

/**
 * The icount right after the first instruction at which `predicate` (checked after every bus
 * access; it may look at the oracle) holds, in an unmigrated run; -1 if never. Runs are
 * deterministic, so a fresh machine run to that icount is at the same point.
 */
export function findIcount(setup: GuestSetup, predicate: (m: Machine) => boolean, from = 0): number {
  const m = Machine.boot(guestImage(setup.guest), machineOptions(setup));
  let found = -1;
  const observer = {
    access: () => {
      if (found < 0 && m.clock.icount >= from && predicate(m)) found = m.clock.icount + 1;
    },
    dma: () => {},
  };
  m.bus.addObserver(observer);
  while (found < 0 && !m.stopped) {
    const r = m.run({ maxInstructions: m.clock.icount + 100_000 });
    if (r.status !== 'limit') break;
  }
  return found;
}
