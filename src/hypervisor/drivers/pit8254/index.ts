/**
 * The 8254 PIT and port B's GATE2 (device `pit`), driving ISA IRQ0 from OUT0. Its count,
 * control words and flip-flops are write-only, and the counting element's phase is internal:
 * the shadow traps every counter and control access and port B writes; capture takes the rest
 * from the datasheet timing; reconstruction writes each count at the icount that gives the
 * captured phase, which is what makes its window long.
 */
import type { DeviceDriver, FaultSpec } from '../driver.js';
import { BOARD } from '../../../board/layout.js';
import { PIT_CHANNEL_FIELDS, PitShadow } from './shadow.js';
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

export const pit8254Driver: DeviceDriver<PitShadow> = {
  devices: ['pit'],
  irqs: [BOARD.pit.irq],
  faults: [PIT_LATCH_LOST, PIT_FLIPFLOP_LOST],
  captureStage: 'instant',

  attach({ intercepts, options, now, hz }) {
    return new PitShadow(intercepts, hz, now, {
      knownAtStart: options.attach === 'boot',
      loseLatch: options.faults.has(PIT_LATCH_LOST.name),
      loseFlipFlop: options.faults.has(PIT_FLIPFLOP_LOST.name),
    });
  },

  unknownFields(shadow) {
    return shadow.known.flatMap((k, i) => k.unknown().map((f) => `pit.${f}[${i}]`));
  },

  agentReport(shadow, _device, field, channel, value) {
    if (channel > 2) return null;
    shadow.supply(channel, field as (typeof PIT_CHANNEL_FIELDS)[number], value);
    return `pit.${field}[${channel}]`;
  },

  capture(ctx, shadow) {
    return { builders: [capturePit(ctx, shadow)] };
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
