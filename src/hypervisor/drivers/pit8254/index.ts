/**
 * The 8254 PIT and port B's GATE2 (device `pit`), driving ISA IRQ0 from OUT0. Its count,
 * control words and flip-flops are write-only, and the counting element's phase is internal:
 * the shadow records every counter and control access and port B write with its icount
 * (write-log.ts); capture infers the rest from that record and the datasheet timing
 * (phase.ts); reconstruction writes each count at the icount that gives the captured phase,
 * which is what makes its window long.
 */
import type { DeviceDriver, FaultSpec } from '../driver.js';
import { BOARD } from '../../../board/layout.js';
import { PitWriteLog, type PitChannelField } from './write-log.js';
import { PitPhase } from './phase.js';
import { capturePit } from './capture.js';
import { pitWindow, reconstructPit } from './reconstruct.js';
import { CONTROL_PORT, counterPort } from './ports.js';
import { RANK } from '../ranks.js';

export const PIT_LATCH_LOST: FaultSpec = {
  name: 'pit-latch-lost',
  side: 'capture',
  device: 'pit',
  effect: 'a counter-latch command the guest issued but has not read yet (8254 datasheet, "Counter Latch Command") is forgotten: count_latched/latched_count are 0 on the destination, so the guest reads the live count instead of the latched one',
};

export const PIT_FLIPFLOP_LOST: FaultSpec = {
  name: 'pit-flipflop-lost',
  side: 'capture',
  device: 'pit',
  effect: 'the lobyte/hibyte write flip-flop is not tracked: a migration between the two bytes of a count write reconstructs write_state = LSB-next, so the guest\'s high byte lands as a low byte',
};

/** OUT0 is wired to IRQ0. */
const IRQ_CHANNEL = 0;

/** The slack the window gets beyond the PIT's own need (a few instructions' worth of rounding). */
const WINDOW_SPARE = 1000;

/** The shadow (what the guest wrote) and the phase inferred from it so far. */
export interface PitTracking {
  readonly log: PitWriteLog;
  readonly phase: PitPhase;
}

export const pit8254Driver: DeviceDriver<PitTracking> = {
  devices: ['pit'],
  ports: [BOARD.pit.ports, { base: BOARD.pit.portB, count: 1 }],
  mmio: [],
  irqs: [BOARD.pit.irq],
  faults: [PIT_LATCH_LOST, PIT_FLIPFLOP_LOST],
  captureStage: 'instant',

  attach({ intercepts, options, now, hz }) {
    const log = new PitWriteLog(intercepts, options.attach === 'boot');
    const phase = new PitPhase(hz, now, {
      loseLatch: options.faults.has(PIT_LATCH_LOST.name),
      loseFlipFlop: options.faults.has(PIT_FLIPFLOP_LOST.name),
    });
    // A full record is taken in early, so it stays bounded whatever the guest does.
    log.onFull = (l) => phase.apply(l);
    return { log, phase };
  },

  timeConfigAt: (t) => t.log.lastGuestWrite,

  unknownFields({ log }) {
    return log.known.flatMap((k, i) => k.unknown().map((f) => `pit.${f}[${i}]`));
  },

  agentReport({ log }, _device, field, channel, value) {
    if (channel > 2) return null;
    log.supply(channel, field as PitChannelField, value);
    return `pit.${field}[${channel}]`;
  },

  capture(ctx, { log, phase }) {
    return { builders: [capturePit(ctx, log, phase)] };
  },

  lineLevels(captured) {
    return captured('pit')?.num('irq_level') ? 1 << BOARD.pit.irq : 0;
  },

  // Channel 0 in mode 0 with count 1: OUT rises two CLK edges after the count (datasheet, mode
  // 0); a new control word drops it.
  irqLine: {
    irq: BOARD.pit.irq,
    restoreSafe: false,
    create(io) {
      const hz = io.hz;
      const control = (IRQ_CHANNEL << 6) | 0x30;
      return {
        raise() {
          io.out8(CONTROL_PORT, control);
          io.out8(counterPort(IRQ_CHANNEL), 1);
          io.out8(counterPort(IRQ_CHANNEL), 0);
          io.wait(3 * Math.ceil(hz / BOARD.pit.clockHz));
        },
        lower() {
          io.out8(CONTROL_PORT, control);
        },
      };
    },
  },

  reconstruct: [{ rank: RANK.pit, plan: (ctx) => reconstructPit(ctx, ctx.must('pit')) }],

  window(capture, hz) {
    const pit = capture.devices.find((d) => d.device === 'pit');
    return pit === undefined ? 0 : pitWindow(pit, capture.switchIcount, hz) + WINDOW_SPARE;
  },
};
