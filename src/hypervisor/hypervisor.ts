/**
 * The thin hypervisor (BLMVisor, section 3; api.ts): attached to one machine, it traps the
 * ports behind write-only registers (intercepts.ts), keeps their shadows (shadows/), and at
 * stop-and-copy captures every device through the bus (capture/). It never reads a device's
 * oracle, state, snapshot or restore.
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
import { createShadows, type Shadows } from './shadows/index.js';
import { DummyFrameFilter } from './nic/dummy-frames.js';
import { schemaOf, type DeviceCaptureBuilder } from './captured.js';
import type { CaptureContext, Probe } from './capture/context.js';
import { captureOnePic, ELCR_MASK_MASTER, ELCR_MASK_SLAVE } from './capture/pic.js';
import { capturePit } from './capture/pit.js';
import { captureRtc } from './capture/rtc.js';
import { captureUart } from './capture/uart.js';
import { captureAta } from './capture/ata.js';
import { captureNic } from './capture/nic.js';
import { captureIoapic, captureLapic } from './capture/apic.js';
import { captureEmpty, capturePciHost, capturePost, captureSysctl } from './capture/misc.js';
import { inferLines } from './capture/lines.js';
import { quiesceLines, retireSpuriousRequests } from './capture/quiesce.js';
import { GuestAgent } from './agent.js';
import { sharedStorage } from './storage.js';

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

export class BareMetalHypervisor implements ThinHypervisor {
  readonly intercepts: Intercepts;
  readonly shadows: Shadows;
  readonly filter = new DummyFrameFilter();
  readonly agent: GuestAgent | null;
  private detached = false;

  constructor(
    readonly machine: Machine,
    readonly options: HypervisorOptions = DEFAULT_OPTIONS,
  ) {
    checkFaults(options.faults);
    this.intercepts = new Intercepts(machine.bus, machine.clock);
    this.shadows = createShadows(this.intercepts, options, machine.clock.icount, machine.clock.hz, sharedStorage(machine));
    this.agent = options.agent ? new GuestAgent(this.intercepts, this.shadows) : null;
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

  unknownFields(): string[] {
    const s = this.shadows;
    const out: string[] = [];
    for (const f of s.picMaster.known.unknown()) out.push(`pic.master.${f}`);
    for (const f of s.picSlave.known.unknown()) out.push(`pic.slave.${f}`);
    s.pit.known.forEach((k, i) => {
      for (const f of k.unknown()) out.push(`pit.${f}[${i}]`);
    });
    for (const f of s.cmos.known.unknown()) out.push(`rtc.${f}`);
    // Write-only fields only (the api's contract); the transmitter's internal state is reported per capture.
    for (const f of s.uart.known.unknown()) if (f === 'fcr') out.push(`uart.${f}`);
    for (const f of s.ata.known.unknown()) out.push(`ata0.${f}`);
    if (!s.post.known) out.push('post.code');
    return out;
  }

  captureDevices(): CaptureResult {
    if (this.detached) throw new HypervisorError('HV_DETACHED', 'the hypervisor was detached; attach again before capturing');
    const machine = this.machine;
    const io = new HvIo(machine);
    const ctx: CaptureContext = {
      io, shadows: this.shadows, options: this.options, notes: [], switchIcount: machine.clock.icount, nicFrames: 0, probes: [], after: [],
    };
    const byName = new Map<string, DeviceCaptureBuilder>();
    const schema = (name: string) => schemaOf(machine, name);
    // First everything that reads in zero time: the capture describes the switch-over instant.
    byName.set('pic.master', captureOnePic(ctx, schema('pic.master'), this.shadows.picMaster, 0x4d0, ELCR_MASK_MASTER));
    byName.set('pic.slave', captureOnePic(ctx, schema('pic.slave'), this.shadows.picSlave, 0x4d1, ELCR_MASK_SLAVE));
    byName.set('pit', capturePit(ctx, schema('pit')));
    byName.set('rtc', captureRtc(ctx, schema('rtc')));
    byName.set('ata0', captureAta(ctx, schema('ata0')));
    byName.set('pci', capturePciHost(ctx, schema('pci')));
    byName.set('ioapic', captureIoapic(ctx, schema('ioapic')));
    byName.set('lapic', captureLapic(ctx, schema('lapic')));
    byName.set('post', capturePost(ctx, schema('post')));
    byName.set('sysctl', captureSysctl(ctx, schema('sysctl')));
    byName.set('debug-exit', captureEmpty(schema('debug-exit')));
    // Still at the switch-over instant: the UART's receive FIFO is read out and the NIC frozen
    // (both drive their interrupt lines: keep that from the guest's interrupt controllers).
    const capturedIrr = { master: byName.get('pic.master')!.build().fields.irr as number, slave: byName.get('pic.slave')!.build().fields.irr as number };
    const rs = { master: this.shadows.picMaster.v.read_reg_select, slave: this.shadows.picSlave.v.read_reg_select };
    const quiet = quiesceLines(io, [4, 11]);
    byName.set('uart', captureUart(ctx, schema('uart')));
    byName.set('rtl8169', captureNic(ctx, schema('rtl8169')));
    // Then what takes time: watching counters tick and BSY drop, then driving devices back.
    runProbes(io, ctx.probes);
    for (const step of ctx.after) step();
    const retired = retireSpuriousRequests(io, [4, 11], capturedIrr, rs, { master: this.shadows.picMaster.v.poll === 1, slave: this.shadows.picSlave.v.poll === 1 });
    quiet.restore();
    if (retired.length > 0) ctx.notes.push(`8259A: request(s) on IRQ ${retired.join(', ')} raised by capture's own work were retired on the source`);

    const devices: CapturedDevice[] = [];
    for (const d of machine.devices) {
      if (NOT_CAPTURED.has(d.name)) continue;
      const b = byName.get(d.name);
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
