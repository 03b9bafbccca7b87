/**
 * The MC146818A RTC and CMOS (device `rtc`), driving ISA IRQ8. Its index port is write-only
 * (shadow); register C is inferred from the events since the guest last read it; the divider
 * phase is rebuilt by releasing the divider at the right icount, which takes up to a second
 * and a half of window.
 */
import type { DeviceDriver, FaultSpec } from '../driver.js';
import { BOARD } from '../../../board/layout.js';
import { REG_B_PIE, REG_B_24H, REG_C_IRQF } from '../../../devices/rtc-cmos.js';
import { CMOS_DATA_PORT, CMOS_INDEX_PORT, CmosShadow, REG_A, REG_B, REG_C, readClockBytes, type CMOS_SHADOW_FIELDS } from './shadow.js';
import { captureRtc } from './capture.js';
import { reconstructRtc, timingAtPowerOn } from './reconstruct.js';
import { CapturedView } from '../../captured.js';
import { RANK } from '../ranks.js';

export const CMOS_INDEX_FORGOTTEN: FaultSpec = {
  name: 'cmos-index-forgotten',
  side: 'reconstruct',
  device: 'rtc',
  effect: 'the CMOS index (port 0x70, write-only) is not replayed last: the destination keeps the index the reconstruction itself used, and the NMI-disable bit is lost',
};

export const RTC_TIME_STALE: FaultSpec = {
  name: 'rtc-time-stale',
  side: 'capture',
  device: 'rtc',
  effect: 'the clock bytes (seconds … year, CMOS 0x00–0x09) are captured from a copy the shadow took at the attach (a boot attach: the power-on time) and kept up to date with the guest\'s trapped writes to them, instead of from the chip: the update cycles that advanced them since are lost, so rtc.cmos[0] (seconds, and whatever carried into minutes …) is rebuilt stale — only once an update has changed them, more than a virtual second after the attach or the guest\'s last write',
};

/** The slack the window gets beyond the divider's second and a half. */
const WINDOW_SPARE = 1000;

export const rtcCmosDriver: DeviceDriver<CmosShadow> = {
  devices: ['rtc'],
  ports: [BOARD.rtc.ports],
  mmio: [],
  irqs: [BOARD.rtc.irq],
  faults: [CMOS_INDEX_FORGOTTEN, RTC_TIME_STALE],
  captureStage: 'instant',

  attach({ intercepts, options, now, hz, io }) {
    const shadow = new CmosShadow(intercepts, hz, now, options.attach === 'boot');
    if (options.faults.has(RTC_TIME_STALE.name)) shadow.seedClock(readClockBytes(io));
    return shadow;
  },

  unknownFields(shadow) {
    return shadow.known.unknown().map((f) => `rtc.${f}`);
  },

  agentReport(shadow, device, field, _channel, value) {
    shadow.supply(field as (typeof CMOS_SHADOW_FIELDS)[number], value);
    return `${device}.${field}`;
  },

  capture(ctx, shadow) {
    return { builders: [captureRtc(ctx, shadow)] };
  },

  lineLevels(captured) {
    const rtc = captured('rtc');
    return rtc && rtc.at('cmos', REG_C) & REG_C_IRQF ? 1 << BOARD.rtc.irq : 0;
  },

  // PIE with an 8192 Hz periodic rate (register A rate 3, divider running): PF at the next
  // divider edge; reading register C drops it.
  irqLine: {
    irq: BOARD.rtc.irq,
    restoreSafe: false,
    create(io) {
      const hz = io.hz;
      const write = (index: number, value: number) => {
        io.out8(CMOS_INDEX_PORT, index);
        io.out8(CMOS_DATA_PORT, value);
      };
      const readC = () => {
        io.out8(CMOS_INDEX_PORT, REG_C);
        io.in8(CMOS_DATA_PORT);
      };
      return {
        raise() {
          write(REG_A, 0x23);
          write(REG_B, REG_B_PIE | REG_B_24H);
          readC();
          io.wait(Math.ceil(hz / 8192) + 2);
        },
        lower() {
          readC();
          write(REG_B, REG_B_24H);
        },
      };
    },
  },

  reconstruct: [{ rank: RANK.rtc, plan: (ctx) => reconstructRtc(ctx, ctx.must('rtc')) }],

  // Time, alarm, A and B writes and register C reads (all trapped) decide the ahead actions.
  timeConfigAt: (shadow) => Math.max(shadow.lastConfigWrite, shadow.lastCRead),

  window(capture, hz) {
    const rtc = capture.devices.find((d) => d.device === 'rtc');
    // Releasing the divider at the captured phase: up to a second, plus half a second when an
    // update must happen inside the window (reconstruct.ts).
    // Untouched since power-on: the destination's own chip already has the state, no window.
    if (rtc === undefined || !('divider_phase' in rtc.fields) || timingAtPowerOn(new CapturedView(rtc))) return 0;
    return hz + Math.ceil(hz / 2) + WINDOW_SPARE;
  },
};
