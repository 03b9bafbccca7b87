/**
 * The local APIC (device `lapic`) in its MMIO window: every register readable, no write-only
 * state (BLMVisor 4.6). Its LINT0 input is the master 8259A's INT (the board's virtual wire),
 * inferred from the captured 8259A. Reconstruction has three steps: registers and the timer
 * among the devices, then at the switch-over the in-service vectors (before the IOAPIC's
 * entries: level ones need temporary entries) and the pending ones (after them).
 */
import { BOARD } from '../../../board/layout.js';
import type { DeviceDriver, FaultSpec } from '../driver.js';
import { CapturedView } from '../../captured.js';
import { captureLapic } from './capture.js';
import { reconstructLapicInService, reconstructLapicPending, reconstructLapicStart, reconstructLapicTimer, timerStartsEarly } from './reconstruct.js';
import { picIntOutput } from '../pic8259/int-output.js';
import { MASTER } from '../pic8259/chips.js';
import { RANK } from '../ranks.js';
import { lapicDivisor } from './registers.js';

/** Instructions beyond the timer's period (its phase write lands inside the window). */
const TIMER_SPARE = 1000;

export const LAPIC_TIMER_NOT_REARMED: FaultSpec = {
  name: 'lapic-timer-not-rearmed',
  side: 'reconstruct',
  device: 'lapic',
  effect: 'a running timer is restored by writing its captured current count to the current-count register (0x390) — read-only, the write is ignored (SDM 10.5.4) — instead of timing a write of the initial count (0x380), the one write that starts the count: the destination\'s timer stays stopped (lapic.initial_count 0, lapic.timer disarmed) and the guest\'s next timer interrupt never comes',
};

export const LAPIC_TPR_LOST: FaultSpec = {
  name: 'lapic-tpr-lost',
  side: 'reconstruct',
  device: 'lapic',
  effect: 'TPR is not written back at the switch-over: the in-service step lowers it to 0 to take its self-IPIs, and only the registers step (before that) wrote the captured value, so lapic.tpr is 0 on the destination and interrupts the guest held off by priority are delivered',
};

export const lapicDriver: DeviceDriver<void> = {
  devices: ['lapic'],
  ports: [],
  mmio: [BOARD.lapic.mmioBase],
  irqs: [],
  faults: [LAPIC_TIMER_NOT_REARMED, LAPIC_TPR_LOST],
  captureStage: 'instant',

  capture(ctx) {
    return { builders: [captureLapic(ctx)] };
  },

  inferInputs(devices) {
    const lapic = devices.get('lapic');
    const master = devices.get(MASTER.device);
    if (lapic && master) lapic.fields.lint0_level = picIntOutput(new CapturedView(master), true) ? 1 : 0;
  },

  // The timer's initial count is written at the icount that leaves the captured time
  // (reconstruct.ts): up to one period (initial count × divisor) before the switch-over.
  window(capture) {
    const lapic = capture.devices.find((d) => d.device === 'lapic');
    if (lapic === undefined) return 0;
    const t = new CapturedView(lapic);
    const initial = t.num('initial_count');
    return initial === 0 ? 0 : initial * lapicDivisor(t.num('divide_conf')) + TIMER_SPARE;
  },

  reconstruct: [
    {
      rank: RANK.lapicTimer,
      plan(ctx) {
        const lapic = ctx.must('lapic');
        if (timerStartsEarly(lapic)) reconstructLapicTimer(ctx, lapic);
      },
    },
    { rank: RANK.lapicRegisters, plan: (ctx) => reconstructLapicStart(ctx, ctx.must('lapic')) },
    {
      rank: RANK.lapicInService,
      plan(ctx) {
        const lapic = ctx.must('lapic');
        ctx.timeline.at(ctx.timeline.end, 'lapic: requests drained, in-service vectors', () => reconstructLapicInService(ctx, lapic, ctx.view('ioapic')));
      },
    },
    {
      rank: RANK.lapicPending,
      plan(ctx) {
        const lapic = ctx.must('lapic');
        ctx.timeline.at(ctx.timeline.end, 'lapic: pending vectors, LINT0, TPR', () => reconstructLapicPending(ctx, lapic));
      },
    },
  ],
};
