/**
 * 8254 capture (Intel 8254 datasheet, "Read-Back Command").
 *
 * Shadow: count register, control word (RW, mode, BCD) — what the guest wrote, recorded with
 * each access's icount (write-log.ts).
 * Inferred from that record and the datasheet timing (phase.ts): write flip-flop and its
 * latched low byte, read flip-flop, the latches the guest set and has not read, and the
 * counting element's phase (when the count was loaded, the count it runs with, a reload
 * pending).
 * Read: port B (GATE2, speaker data, NMI check bits); and, where the guest has no status
 * latched, a read-back status byte per channel (OUT, null count, RW, mode, BCD) — our own
 * latch, read at once, so nothing is left behind — to check the shadow against the chip.
 * Timer: channel 0's next OUT transition, computed from the phase (datasheet timing).
 */
import type { CaptureContext } from '../driver.js';
import { DeviceCaptureBuilder } from '../../captured.js';
import { PIT_CHANNELS, icountAtTick, nextTransitionTick, outLevel, pitTicks } from '../../../devices/pit8254-channel.js';
import { PIT_CHANNEL_FIELDS, type PitWriteLog } from './write-log.js';
import type { PitPhase } from './phase.js';
import { CONTROL_PORT, PORT_B, counterPort } from './ports.js';

export function capturePit(ctx: CaptureContext, log: PitWriteLog, phase: PitPhase): DeviceCaptureBuilder {
  const { io, notes } = ctx;
  const b = new DeviceCaptureBuilder(ctx.schema('pit'));
  const now = io.now;
  phase.apply(log);
  phase.settleAll(now);
  const s = phase.s;
  const known = log.known;
  const portB = io.in8(PORT_B);

  // The shadow's values now, before any access of ours (a read-back would overwrite `status`).
  const saved = PIT_CHANNEL_FIELDS.map((f) => (s[f] as number[]).slice());
  for (let i = 0; i < PIT_CHANNELS; i++) {
    if (known[i].unknown().length === 0 || s.status_latched[i]) continue;
    // Late attach, channel not reprogrammed since: the read-back status gives the control word
    // (our own status latch, read at once; it replaces the chip's stale status byte).
    io.out8(CONTROL_PORT, 0xe0 | (2 << i));
    const status = io.in8(counterPort(i));
    saved[PIT_CHANNEL_FIELDS.indexOf('rw_mode')][i] = (status >> 4) & 3;
    saved[PIT_CHANNEL_FIELDS.indexOf('mode')][i] = (status >> 1) & 7;
    saved[PIT_CHANNEL_FIELDS.indexOf('bcd')][i] = status & 1;
    notes.push(`pit: channel ${i} control word read back (status 0x${status.toString(16)}): it was programmed before the hypervisor attached`);
  }

  for (const [k, f] of PIT_CHANNEL_FIELDS.entries()) {
    const values = saved[k];
    const unknown = known.some((k) => !k.has(f));
    if (unknown && !(f === 'rw_mode' || f === 'mode' || f === 'bcd')) {
      b.markUnknown(f);
      continue;
    }
    const wo = f === 'count' || f === 'rw_mode' || f === 'mode' || f === 'bcd';
    b.set(f, values, unknown ? 'read' : wo ? 'shadow' : 'inferred');
  }
  // Our read-backs are in the record too: take them in, as the chip has.
  phase.apply(log);
  b.set('gate', [1, 1, portB & 1], 'read');
  b.set('speaker_data', (portB >> 1) & 1, 'read');
  b.set('nmi_check', (portB >> 2) & 3, 'read');
  const hz = io.hz;
  const nowTick = pitTicks(now, hz);
  if (known[0].unknown().length > 0) {
    b.markUnknown('irq_level');
    b.markUnknown('next_transition_time');
  } else {
    b.set('irq_level', outLevel(s, 0, nowTick, hz), 'inferred');
    const next = nextTransitionTick(s, 0, nowTick, hz);
    b.set('next_transition_time', next < 0 ? -1 : icountAtTick(next, hz) - now, 'inferred');
  }
  return b;
}
