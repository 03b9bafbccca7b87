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
import { schemaOf } from './captured.js';
import { DummyFrameFilter } from './nic/dummy-frames.js';
import { view, type ReconstructContext } from './reconstruct/context.js';
import { reconstructPicEnd, reconstructPicStart } from './reconstruct/pic.js';
import { pitWindow, reconstructPit } from './reconstruct/pit.js';
import { reconstructRtc } from './reconstruct/rtc.js';
import { reconstructUart } from './reconstruct/uart.js';
import { reconstructNic } from './reconstruct/nic.js';
import { reconstructAta } from './reconstruct/ata.js';
import {
  reconstructIoapic, reconstructLapicEnd, reconstructLapicStart, reconstructPciAddress, reconstructPciHost,
  reconstructPost, reconstructSysctl,
} from './reconstruct/small.js';
import { NOT_CAPTURED } from './hypervisor.js';
import { defaultGeometry } from '../devices/ata-identify.js';
import { DEFAULT_OPTIONS } from './hypervisor.js';

/**
 * Instructions of destination window that make every timed reconstruction exact: the RTC's
 * divider release (up to one second, plus half a second when an update must happen inside the
 * window), every running PIT channel's load (its canonical phase: under two periods, or a
 * modulus after a one-shot settled — reconstruct/pit.ts), the UART's refill and transmitter.
 */
export function reconstructionBudget(capture: CaptureResult, hz = 100_000_000): number {
  let budget = Math.ceil(hz / 100);
  const rtc = capture.devices.find((d) => d.device === 'rtc');
  if (rtc !== undefined && 'divider_phase' in rtc.fields) budget = Math.max(budget, hz + Math.ceil(hz / 2) + 1000);
  const pit = capture.devices.find((d) => d.device === 'pit');
  if (pit !== undefined) budget = Math.max(budget, pitWindow(pit, capture.switchIcount, hz) + 1000);
  return budget;
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
  const timeline = new Timeline(start, capture.switchIcount);
  const ctx: ReconstructContext = { io, capture, timeline, options, notes: [], dummyFrames: 0 };
  const filter = new DummyFrameFilter();
  machine.taps.unshift(filter);
  try {
    const must = (name: string) => {
      const v = view(ctx, name);
      if (v === null) throw new HypervisorError('HV_MACHINE_MISMATCH', `the capture has no "${name}"`);
      return v;
    };
    const master = must('pic.master');
    const slave = must('pic.slave');
    // Window start: the interrupt controllers first (putting IRs in service drives other devices).
    timeline.at(start, '8259A: ICW1–ICW4, ELCR, priority, in-service IRs', () => reconstructPicStart(ctx, master, slave));
    timeline.at(start, 'pci: host bridge header', () => reconstructPciHost(ctx, must('pci')));
    timeline.at(start, 'sysctl, post', () => {
      reconstructSysctl(ctx, must('sysctl'));
      reconstructPost(ctx, must('post'));
    });
    reconstructNic(ctx, must('rtl8169'));
    reconstructAta(ctx, must('ata0'), defaultGeometry(machine.board.disk.backing.sectors));
    reconstructLapicStart(ctx, must('lapic'));
    reconstructRtc(ctx, must('rtc'));
    reconstructUart(ctx, must('uart'));
    reconstructPit(ctx, must('pit'));
    // Switch-over: requests and masks once every line has its level; APICs; CONFIG_ADDRESS.
    timeline.at(capture.switchIcount, '8259A: requests, priority, masks, OCW3', () => reconstructPicEnd(ctx, master, slave));
    timeline.at(capture.switchIcount, 'lapic + ioapic: requests, in-service, redirection table', () =>
      reconstructLapicEnd(ctx, must('lapic'), view(ctx, 'ioapic'), () => reconstructIoapic(ctx, must('ioapic'))));
    timeline.at(capture.switchIcount, 'pci: CONFIG_ADDRESS', () => reconstructPciAddress(ctx, must('pci')));
    const done = timeline.run(io);
    void done;
  } finally {
    const i = machine.taps.indexOf(filter);
    if (i >= 0) machine.taps.splice(i, 1);
  }
  if (machine.clock.icount !== capture.switchIcount) {
    throw new HypervisorError('HV_WINDOW', `reconstruction ran past the switch-over (${machine.clock.icount} > ${capture.switchIcount})`);
  }
  for (const late of timeline.late) ctx.notes.push(`late: ${late}`);
  const unknown = capture.devices.flatMap((d) => d.unknown.map((f) => `${d.device}.${f}`));
  if (unknown.length > 0) ctx.notes.push(`not reconstructed (unknown at capture): ${unknown.join(', ')}`);
  return { budget: capture.switchIcount - start, dummyFrames: ctx.dummyFrames, notes: ctx.notes };
}
