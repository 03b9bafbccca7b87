/**
 * The thin hypervisor (BLMVisor, section 3; api.ts): attached to one machine, it traps the
 * ports behind write-only registers (intercepts.ts), keeps their shadows, and at stop-and-copy
 * captures every device through the bus — all of it per device in the drivers (drivers/, one
 * per device, listed in drivers/index.ts); this file only loops over them. It never reads a
 * device's oracle, state, snapshot or restore.
 *
 * Late attach (a dynamic hypervisor, background/000): shadows start unknown; write-only state
 * the guest wrote before the attach is unknown until it is written again, or a guest agent
 * reports it (agent.ts). Capture lists such fields in CapturedDevice.unknown.
 */
import type { Machine } from '../board/machine.js';
import type { CaptureResult, CapturedDevice, HypervisorOptions, ThinHypervisor } from './api.js';
import { checkFaults } from './faults.js';
import { HypervisorError } from './errors.js';
import { Intercepts } from './intercepts.js';
import { HvIo } from './hv-io.js';
import { DummyFrameFilter } from './drivers/rtl8169/dummy-frames.js';
import { CapturedView, schemaOf, type DeviceCaptureBuilder } from './captured.js';
import type { CaptureContext, DeviceDriver, DriverCapture, Probe } from './drivers/driver.js';
import { DRIVERS } from './drivers/index.js';
import { quiesceLines } from './quiesce.js';
import { GuestAgent } from './agent.js';
import { sharedStorage, slaveStorage } from './storage.js';

/** Devices the hypervisor captures, in board order. `input` is the outside world, not hardware. */
export const NOT_CAPTURED = new Set(['input']);

export const DEFAULT_OPTIONS: HypervisorOptions = { attach: 'boot', agent: false, faults: new Set() };

/** Watch every probe from the switch-over on, one instruction of paused time at a time. */
function runProbes(io: HvIo, probes: Probe[]): void {
  const open = new Set(probes);
  for (let elapsed = 0; open.size > 0; elapsed++) {
    for (const p of [...open]) {
      if (p.check(elapsed)) open.delete(p);
      else if (elapsed >= p.limit) {
        p.giveUp();
        open.delete(p);
      }
    }
    if (open.size > 0) io.wait(1);
  }
}

/** A driver with the shadow it made when the hypervisor attached (undefined: it keeps none). */
interface AttachedDriver {
  readonly driver: DeviceDriver;
  readonly shadow: unknown;
}

/**
 * Interrupt line levels are wires, not registers: the controllers latch them (8259A last_irr,
 * IOAPIC pin_level, LAPIC lint0_level), so they are filled in from the levels the other
 * drivers read off their devices' captured state (DeviceDriver.lineLevels, inferInputs).
 */
function inferLines(devices: CapturedDevice[]): void {
  const byName = new Map(devices.map((d) => [d.device, d]));
  const captured = (name: string) => {
    const d = byName.get(name);
    return d === undefined ? null : new CapturedView(d);
  };
  let lines = 0;
  for (const d of DRIVERS) if (d.lineLevels) lines |= d.lineLevels(captured);
  for (const d of DRIVERS) d.inferInputs?.(byName, lines);
}

export class BareMetalHypervisor implements ThinHypervisor {
  readonly intercepts: Intercepts;
  readonly drivers: readonly AttachedDriver[];
  readonly filter = new DummyFrameFilter();
  readonly agent: GuestAgent | null;
  private detached = false;
  private readonly attachIcount: number;

  constructor(
    readonly machine: Machine,
    readonly options: HypervisorOptions = DEFAULT_OPTIONS,
  ) {
    checkFaults(options.faults);
    // A device no driver covers could be neither watched nor captured: refuse now, not at the switch-over.
    const uncovered = machine.devices.find((d) => !NOT_CAPTURED.has(d.name) && !DRIVERS.some((x) => x.devices.includes(d.name)));
    if (uncovered !== undefined) {
      throw new HypervisorError('HV_MACHINE_MISMATCH', `the thin hypervisor has no driver for device "${uncovered.name}": a machine with it cannot be migrated`);
    }
    this.attachIcount = machine.clock.icount;
    this.intercepts = new Intercepts(machine.bus, machine.clock);
    const attach = {
      intercepts: this.intercepts, options, now: machine.clock.icount, hz: machine.clock.hz, storage: sharedStorage(machine),
      slaveStorage: slaveStorage(machine), io: new HvIo(machine),
    };
    this.drivers = DRIVERS.map((driver) => ({ driver, shadow: driver.attach?.(attach) }));
    this.agent = options.agent ? new GuestAgent(this.intercepts, (device, field, channel, value) => {
      const a = this.drivers.find((x) => x.driver.devices.includes(device));
      return a?.driver.agentReport?.(a.shadow, device, field, channel, value) ?? null;
    }) : null;
    this.intercepts.attach();
    machine.taps.unshift(this.filter);
  }

  /** Attach to a machine: at power-on (`attach: 'boot'`) or to a running guest (`'late'`). */
  static attach(machine: Machine, options: Partial<HypervisorOptions> = {}): BareMetalHypervisor {
    return new BareMetalHypervisor(machine, { ...DEFAULT_OPTIONS, ...options, faults: options.faults ?? new Set() });
  }

  exits(): Record<string, number> {
    return this.intercepts.exits();
  }

  /** Trapped ports and MMIO pages right now (the I/O bitmap and EPT view). */
  interceptPolicy(): { ports: string[]; mmioPages: number[] } {
    return { ports: this.intercepts.trappedPorts(), mmioPages: this.intercepts.trappedPages() };
  }

  /** DeviceCapture.timeConfigChangedAt: the latest of the time-driven drivers' (the attach, for a late one). */
  timeConfigChangedAt(): number {
    let at = this.options.attach === 'late' ? this.attachIcount : -1;
    for (const a of this.drivers) if (a.driver.timeConfigAt) at = Math.max(at, a.driver.timeConfigAt(a.shadow));
    return at;
  }

  unknownFields(): string[] {
    return this.drivers.flatMap((a) => a.driver.unknownFields?.(a.shadow) ?? []);
  }

  captureDevices(): CaptureResult {
    if (this.detached) throw new HypervisorError('HV_DETACHED', 'the hypervisor was detached; attach again before capturing');
    const machine = this.machine;
    const io = new HvIo(machine);
    const ctx: CaptureContext = {
      io, options: this.options, notes: [], switchIcount: machine.clock.icount, nicFrames: 0, probes: [], after: [],
      schema: (name) => schemaOf(machine, name),
    };
    const captures: DriverCapture[] = [];
    const builders = new Map<string, DeviceCaptureBuilder>();
    const run = (a: AttachedDriver) => {
      const c = a.driver.capture(ctx, a.shadow);
      captures.push(c);
      a.driver.devices.forEach((name, i) => builders.set(name, c.builders[i]));
    };
    // First everything that reads in zero time: the capture describes the switch-over instant.
    const stage = (a: AttachedDriver) => a.driver.captureStageOf?.(a.shadow) ?? a.driver.captureStage;
    for (const a of this.drivers) if (stage(a) === 'instant') run(a);
    // Still at the switch-over instant: the captures that drive their own interrupt lines (a
    // UART's receive FIFO read out, a NIC frozen) — keep that from the guest's interrupt controllers.
    const disturbing = this.drivers.filter((a) => stage(a) === 'disturbs-line');
    const irqs = disturbing.flatMap((a) => a.driver.irqs);
    const quiet = quiesceLines(io, irqs);
    for (const a of disturbing) run(a);
    // Then what takes time: watching counters tick and BSY drop, then driving devices back.
    runProbes(io, ctx.probes);
    for (const step of ctx.after) step();
    for (const c of captures) c.settleDisturbedLines?.(irqs);
    quiet.restore();

    const devices: CapturedDevice[] = [];
    for (const d of machine.devices) {
      if (NOT_CAPTURED.has(d.name)) continue;
      const b = builders.get(d.name);
      if (b === undefined) throw new HypervisorError('HV_MACHINE_MISMATCH', `no capture driver for device "${d.name}"`);
      devices.push(b.build());
    }
    inferLines(devices);
    if (this.agent !== null) this.agent.fill(devices);
    this.lastNotes = ctx.notes;
    return { switchIcount: ctx.switchIcount, devices, pausedInstructions: io.paused };
  }

  /** Notes from the last capture: what it disturbed on the source and how it was put back, residuals. */
  lastNotes: string[] = [];

  /**
   * Capture already put every device back as it found it (or said otherwise in its notes), so
   * after a failed migration the source only needs its traps, which stay armed: the guest
   * resumes with the time the stop-and-copy took gone by, as after any pause.
   */
  restoreSource(capture: CaptureResult): void {
    void capture;
    if (this.detached) throw new HypervisorError('HV_DETACHED', 'the hypervisor was detached');
  }

  detach(): void {
    if (this.detached) return;
    this.intercepts.detach();
    const i = this.machine.taps.indexOf(this.filter);
    if (i >= 0) this.machine.taps.splice(i, 1);
    this.detached = true;
  }
}
