/**
 * The destination hypervisor's side of a migration: reconstruct every device of a fresh,
 * identical machine from a CaptureResult, through the bus and DMA only (BLMVisor 4.5).
 *
 * Contract (api.ts): the destination's clock reads the window's start when this is called
 * (the migration engine has advanced it, guest paused, to `switchIcount - budget`; a fresh
 * machine at icount 0 is fine too); reconstruction runs actions in virtual time and returns
 * with the clock at exactly `switchIcount`. Memory should already hold the guest's pages (the
 * NIC's ring lengths are read from the guest's descriptors); the CPU is the engine's.
 * `reconstructionBudget` says how long a window makes every timed action exact.
 */
import type { Machine } from '../board/machine.js';
import type { CaptureResult, HypervisorOptions, ReconstructReport } from './api.js';
import { HypervisorError } from './errors.js';
import { checkFaults } from './faults.js';
import { HvIo } from './hv-io.js';
import { Timeline } from './timeline.js';
import { CapturedView, schemaOf } from './captured.js';
import { DummyFrameFilter } from './drivers/rtl8169/dummy-frames.js';
import type { ReconstructContext, ReconstructStep } from './drivers/driver.js';
import { DRIVERS, lineGeneratorFor } from './drivers/index.js';
import { DEFAULT_OPTIONS, NOT_CAPTURED } from './hypervisor.js';

/**
 * Instructions of destination window that make every timed reconstruction exact: at least
 * the switch window (1 ms), and whatever each driver's timed actions need (DeviceDriver.window: the RTC's divider
 * release, up to 1.5 s; every running PIT channel's load, its canonical phase: under two
 * periods, or a modulus after a one-shot settled).
 */
export function reconstructionBudget(capture: CaptureResult, hz = 100_000_000): number {
  let budget = switchFloor(capture, hz);
  for (const d of DRIVERS) if (d.window) budget = Math.max(budget, d.window(capture, hz));
  return budget;
}

/**
 * The least time before the switch-over that the actions needing the switch-over state get
 * (Timeline.switchFloor): 1 ms, in which the NIC's dummy frames go round, a drive's last
 * command runs again, loopback bytes arrive.
 */
export function switchWindow(hz: number): number {
  return Math.ceil(hz / 1000);
}

/**
 * The switch window this capture needs: 1 ms, or longer where the drivers' own work at the
 * switch-over takes more device time than that (DeviceDriver.switchWork: an ATA drive's
 * commands hold BSY for a fixed number of instructions, several milliseconds on a slow clock).
 */
export function switchFloor(capture: CaptureResult, hz: number): number {
  let work = 0;
  for (const d of DRIVERS) if (d.switchWork) work += d.switchWork(capture);
  return Math.max(switchWindow(hz), work);
}

export function reconstructDevices(
  machine: Machine,
  capture: CaptureResult,
  options: HypervisorOptions = DEFAULT_OPTIONS,
): ReconstructReport {
  checkFaults(options.faults);
  const io = new HvIo(machine);
  const start = machine.clock.icount;
  if (start > capture.switchIcount) {
    throw new HypervisorError('HV_WINDOW', `the destination's clock (${start}) is already past the switch-over icount ${capture.switchIcount}`);
  }
  for (const d of capture.devices) {
    const schema = schemaOf(machine, d.device);
    if (schema.version !== d.schemaVersion) {
      throw new HypervisorError('HV_MACHINE_MISMATCH', `${d.device}: captured with schema version ${d.schemaVersion}, the destination has ${schema.version}`);
    }
  }
  for (const d of machine.devices) {
    if (!NOT_CAPTURED.has(d.name) && !capture.devices.some((c) => c.device === d.name)) {
      throw new HypervisorError('HV_MACHINE_MISMATCH', `the capture has no state for the destination's device "${d.name}"`);
    }
  }
  const timeline = new Timeline(start, capture.switchIcount, switchFloor(capture, machine.clock.hz));
  const view = (name: string) => {
    const d = capture.devices.find((x) => x.device === name);
    return d === undefined ? null : new CapturedView(d);
  };
  const shared = {
    io, capture, options, notes: [] as string[], counts: { dummyFrames: 0 }, view,
    must(name: string) {
      const v = view(name);
      if (v === null) throw new HypervisorError('HV_MACHINE_MISMATCH', `the capture has no "${name}"`);
      return v;
    },
    irqLine(irq: number) {
      return lineGeneratorFor(irq)?.create(io) ?? null;
    },
    restoreSafeLine(irq: number) {
      return lineGeneratorFor(irq)?.restoreSafe === true;
    },
    switchLine(irq: number) {
      const g = lineGeneratorFor(irq);
      return g?.rebuiltAtSwitch === true ? g.create(io) : null;
    },
  };
  // Every driver's steps, planned in rank order; their actions keep the rank on the timeline.
  const steps: ReconstructStep[] = DRIVERS.flatMap((d) => d.reconstruct).sort((a, b) => a.rank - b.rank);
  const filter = new DummyFrameFilter();
  machine.taps.unshift(filter);
  try {
    for (const step of steps) {
      const ctx: ReconstructContext = { ...shared, timeline: timeline.forRank(step.rank) };
      step.plan(ctx);
    }
    timeline.run(io);
  } finally {
    const i = machine.taps.indexOf(filter);
    if (i >= 0) machine.taps.splice(i, 1);
  }
  if (machine.clock.icount !== capture.switchIcount) {
    throw new HypervisorError('HV_WINDOW', `reconstruction ran past the switch-over (${machine.clock.icount} > ${capture.switchIcount})`);
  }
  const notes = shared.notes;
  for (const late of timeline.late) notes.push(`late: ${late}`);
  const unknown = capture.devices.flatMap((d) => d.unknown.map((f) => `${d.device}.${f}`));
  if (unknown.length > 0) notes.push(`not reconstructed (unknown at capture): ${unknown.join(', ')}`);
  return { budget: capture.switchIcount - start, ...timeline.split(), switchAccesses: timeline.switchAccesses, dummyFrames: shared.counts.dummyFrames, notes };
}
