/**
 * The 8259A pair (pic.master, pic.slave) as one driver: the two chips are programmed, read
 * and rebuilt together (the cascade, the slave's INT on the master's IR2).
 *
 * Reconstruction comes in two steps that frame every other device's: ICW1–ICW4, ELCR,
 * priority and the in-service IRs at the window's start, before anything else (putting an IR
 * in service drives the device behind the line, which that device's own step then
 * overwrites); requests, masks and OCW3 at the switch-over, after every device's own actions
 * there (the lines have their final levels by then).
 */
import { BOARD } from '../../../board/layout.js';
import type { DeviceDriver, FaultSpec } from '../driver.js';
import { PicShadow, type PicShadowField } from './shadow.js';
import { captureOnePic } from './capture.js';
import { retireSpuriousRequests } from './retire.js';
import { inferPicInputs } from './int-output.js';
import { reconstructPicEdgeRequests, reconstructPicEnd, reconstructPicInService, reconstructPicStart } from './reconstruct.js';
import { MASTER, SLAVE } from './chips.js';
import { RANK } from '../ranks.js';

export const ICW4_SHADOW_SKIPPED: FaultSpec = {
  name: 'icw4-shadow-skipped',
  side: 'capture',
  device: 'pic.master',
  effect: 'the 8259A shadow ignores ICW4 (8259A datasheet, ICW4): auto_eoi, special_fully_nested_mode, buffered_mode and microprocessor_mode are captured as 0, so a guest in auto-EOI mode loses it',
};

export const PIC_ISR_DROPPED: FaultSpec = {
  name: 'pic-isr-dropped',
  side: 'reconstruct',
  device: 'pic.master',
  effect: 'the in-service IRs are not driven back in (no line raised and polled after the ICWs): ICW1 cleared ISR and only an INTA or a poll sets it again (8259A datasheet, "Interrupt Sequence"), so pic.master.isr / pic.slave.isr are 0 on the destination where the guest was inside an interrupt handler — its EOI then ends nothing, or the wrong IR',
};

export const PIC_REQUEST_DROPPED: FaultSpec = {
  name: 'pic-request-dropped',
  side: 'reconstruct',
  device: 'pic.master',
  effect: 'the switch-over\'s request fix-up takes every edge request it finds in IRR for one the reconstruction window made, retires it (special mask mode, poll, specific EOI) and re-raises none of the captured ones: pic.master.irr / pic.slave.irr lose the edge requests pending at the switch-over, so the destination never takes that interrupt',
};

export interface PicShadows {
  readonly master: PicShadow;
  readonly slave: PicShadow;
}

/** Instructions beyond the timer's period (the edge lands inside the window, not on its start). */
const PERIOD_SPARE = 1000;

export const pic8259Driver: DeviceDriver<PicShadows> = {
  devices: [MASTER.device, SLAVE.device],
  ports: [BOARD.pic.master.ports, BOARD.pic.slave.ports, { base: BOARD.pic.master.elcr, count: 1 }, { base: BOARD.pic.slave.elcr, count: 1 }],
  mmio: [],
  irqs: [],
  faults: [ICW4_SHADOW_SKIPPED, PIC_ISR_DROPPED, PIC_REQUEST_DROPPED],
  captureStage: 'instant',

  attach({ intercepts, options }) {
    const picOptions = { skipIcw4: options.faults.has(ICW4_SHADOW_SKIPPED.name), knownAtStart: options.attach === 'boot' };
    return {
      master: new PicShadow(intercepts, MASTER.base, true, picOptions),
      slave: new PicShadow(intercepts, SLAVE.base, false, picOptions),
    };
  },

  unknownFields(s) {
    return [
      ...s.master.known.unknown().map((f) => `${MASTER.device}.${f}`),
      ...s.slave.known.unknown().map((f) => `${SLAVE.device}.${f}`),
    ];
  },

  agentReport(s, device, field, _channel, value) {
    (device === MASTER.device ? s.master : s.slave).supply(field as PicShadowField, value);
    return `${device}.${field}`;
  },

  capture(ctx, s) {
    const master = captureOnePic(ctx, MASTER, s.master);
    const slave = captureOnePic(ctx, SLAVE, s.slave);
    const capturedIrr = { master: master.build().fields.irr as number, slave: slave.build().fields.irr as number };
    // The guest's read-register select, as the shadows had it once this capture's OCW3s were put back.
    const readSelect = { master: s.master.v.read_reg_select, slave: s.slave.v.read_reg_select };
    return {
      builders: [master, slave],
      settleDisturbedLines(irqs) {
        const pollPending = { master: s.master.v.poll === 1, slave: s.slave.v.poll === 1 };
        const retired = retireSpuriousRequests(ctx.io, irqs, { capturedIrr, readSelect, pollPending });
        if (retired.length > 0) ctx.notes.push(`8259A: request(s) on IRQ ${retired.join(', ')} raised by capture's own work were retired on the source`);
      },
    };
  },

  inferInputs: inferPicInputs,

  timeConfigAt: (s) => Math.max(s.master.lastIcwAt, s.slave.lastIcwAt),

  // ICW1 resets the edge-sense latches (8259A datasheet, ICW1), so an edge request on the
  // timer's line comes back only from an edge after it: the window holds one period of the
  // PIT's channel 0 (its OUT is IRQ0) after the ICWs. Other lines' requests are raised at the
  // switch-over (reconstructPicEnd).
  window(capture, hz) {
    const master = capture.devices.find((d) => d.device === MASTER.device);
    const pit = capture.devices.find((d) => d.device === 'pit');
    const irr = master?.fields.irr;
    if (typeof irr !== 'number' || !(irr & (1 << BOARD.pit.irq)) || pit === undefined) return 0;
    const counts = pit.fields.active_count;
    const n = Array.isArray(counts) && typeof counts[0] === 'number' && counts[0] > 0 ? counts[0] : 0x10000;
    return Math.ceil((n * hz) / BOARD.pit.clockHz) + PERIOD_SPARE;
  },

  reconstruct: [
    {
      rank: RANK.picStart,
      plan(ctx) {
        const master = ctx.must(MASTER.device);
        const slave = ctx.must(SLAVE.device);
        // Initialisation is configuration the guest wrote long before (trapped ICWs): done ahead,
        // before the time-driven devices' edges start. The in-service IRs need the switch-over.
        ctx.timeline.at(ctx.timeline.start, '8259A: ICW1–ICW4, ELCR, priority', () => reconstructPicStart(ctx, master, slave), 'ahead');
        // Driving an IR into service raises its device's line: before the time-driven devices
        // start (their edges would be polled too), so it is pinned to the window's start.
        if (!ctx.options.faults.has(PIC_ISR_DROPPED.name) && (master.num('isr') !== 0 || slave.num('isr') !== 0)) {
          ctx.timeline.at(ctx.timeline.start, '8259A: in-service IRs', () => reconstructPicInService(ctx, master, slave), 'pinned');
        }
        // Edge requests only a device's own pulse can make: before that device is rebuilt.
        if (!ctx.options.faults.has(PIC_REQUEST_DROPPED.name)) {
          ctx.timeline.at(ctx.timeline.start, '8259A: edge requests of lines whose devices are rebuilt at the switch', () => reconstructPicEdgeRequests(ctx, master, slave));
        }
      },
    },
    {
      rank: RANK.picSwitchOver,
      plan(ctx) {
        const master = ctx.must(MASTER.device);
        const slave = ctx.must(SLAVE.device);
        ctx.timeline.at(ctx.timeline.end, '8259A: requests, priority, masks, OCW3', () => reconstructPicEnd(ctx, master, slave, { dropRequests: ctx.options.faults.has(PIC_REQUEST_DROPPED.name) }));
      },
    },
  ],
};
