/**
 * Intel 8254 programmable interval timer, plus port 0x61 ("NMI status and control", the
 * PC/AT port B), which carries channel 2's GATE and OUT.
 *
 * Ports: 0x40–0x42 channel 0–2 data, 0x43 control word (write-only; reads float: 0xFF);
 * 0x61: bit 0 GATE2 (rw), bit 1 speaker data (rw), bits 3–2 parity/IOCHK check disable (rw),
 * bit 4 refresh toggle (ro), bit 5 OUT2 (ro), bits 7–6 NMI sources (ro, none: 0).
 * IRQ0 follows channel 0's OUT (the wiring's irq); channel 1 (DRAM refresh) and channel 2 (speaker)
 * drive no interrupt. GATE0/GATE1 are tied high.
 *
 * Board: `const pit = new Pit8254(ctx, BOARD.pit); pit.mapPorts(ctx.bus);` (device "pit", ports
 * 0x40–0x43 and 0x61), and add it to the device list. IRQ0 goes through ctx.irq.setIrq(0, …).
 *
 * Time: counters are functions of the icount (pit8254-channel.ts), never stepped; the only
 * timer is channel 0's next OUT transition (`next_transition_time`), so IRQ0 changes at the
 * exact icount of the CLK edge. The phase fields are kept canonical (pit8254-channel.ts,
 * settleChannel): re-based to the latest reload at every access, every timer event and in
 * every snapshot, so two machines that will behave the same hold the same state, however
 * long ago the guest wrote its count. Reset state is what a PC BIOS leaves and QEMU resets to:
 * every channel in mode 3, count 0 (65536), lobyte/hibyte, counting (IRQ0 at 18.2 Hz).
 *
 * Datasheet: Intel 8254 (231164): "Control Word Format", "Read-Back Command", "Counter Latch
 * Command", "Modes of Operation". Simplifications, both within one period and as QEMU:
 * a count written to a running mode-2/3 counter is loaded at the end of the current period
 * (the datasheet has mode 3 take it at the end of the half-cycle); in mode 0, between the
 * two bytes of a word write, reads return the previous count rather than the frozen CE.
 */
import { SIZE_8, type Bus, type IoHandler, type PortRange } from '../machine/bus.js';
import { Device, type DeviceContext } from './device.js';
import type { FieldSpec, StateSchema } from './schema.js';
import type { StateSnapshot } from './schema.js';
import {
  PIT_CHANNELS, counterValue, gateOf, icountAtTick, nextTransitionTick, nullCount, outLevel, pitTicks, settleChannels, type Pit8254State,
} from './pit8254-channel.js';
import { Pit8254Control, RW_WORD0 } from './pit8254-control.js';
import { trackedState } from './tracked-state.js';

export { PIT_HZ, type Pit8254State } from './pit8254-channel.js';
/** Where the board puts the 8254: its four ports (counters 0–2, control word at +3), port B, and IRQ0. */
export interface PitWiring {
  readonly ports: PortRange;
  readonly portB: number;
  readonly irq: number;
}
/** Control word register: the last of the four ports. */
export const PIT_CONTROL_OFFSET = 3;
/** The BIOS programs channel 1 with 18 for DRAM refresh: port 0x61 bit 4 toggles every 18 PIT clocks (15.09 µs). */
export const REFRESH_DIVISOR = 18;


function perChannel(name: string, width: number, access: FieldSpec['access'], role: FieldSpec['role'], doc: string): FieldSpec {
  return { name, width, length: PIT_CHANNELS, access, role, doc: `${doc} (per channel 0–2)` };
}

const SCHEMA: StateSchema = {
  device: 'pit',
  // 2: count_load_time and gate_fall_time are canonical (pit8254-channel.ts, settleChannel).
  version: 2,
  fields: [
    perChannel('count', 32, 'wo', 'config', 'count register: the reload value in counting units, 1..65536 (binary) or 1..10000 (BCD); 0 written means the maximum'),
    perChannel('latched_count', 16, 'ro', 'processing', 'output latch from a counter-latch or read-back command'),
    perChannel('count_latched', 3, 'internal', 'processing', 'latched-count bytes still to read: 0 none, 1 LSB, 2 MSB, 3 LSB then MSB'),
    perChannel('status_latched', 1, 'internal', 'processing', 'a read-back status byte is latched'),
    perChannel('status', 8, 'ro', 'processing', 'the latched status byte: OUT, null count, RW, mode, BCD'),
    perChannel('read_state', 3, 'internal', 'processing', 'read flip-flop: 1 LSB, 2 MSB, 3 word low next, 4 word high next'),
    perChannel('write_state', 3, 'internal', 'processing', 'write flip-flop: 1 LSB, 2 MSB, 3 word low next, 4 word high next'),
    perChannel('write_latch', 8, 'internal', 'processing', 'low byte of a word write, held until the high byte'),
    perChannel('rw_mode', 2, 'wo', 'config', 'control word RW1–RW0: 1 LSB, 2 MSB, 3 LSB then MSB'),
    perChannel('mode', 3, 'wo', 'config', 'control word M2–M0'),
    perChannel('bcd', 1, 'wo', 'config', 'control word BCD'),
    perChannel('gate', 1, 'rw', 'config', 'GATE input: channel 2 from port 0x61 bit 0; channels 0 and 1 tied high'),
    perChannel('count_load_time', 64, 'internal', 'processing', 'icount the CE phase starts at (the next CLK edge loads N): the latest reload (modes 2/3) or wrap after OUT settled (modes 0/1/4/5), else the count\'s write; 0 when not counting or held by GATE'),
    perChannel('active_count', 32, 'internal', 'processing', 'N the CE is counting with (the count register at the last load)'),
    perChannel('counting', 1, 'internal', 'processing', 'the CE holds a count and runs per its mode (0: waiting for a count or a GATE trigger)'),
    perChannel('cr_pending', 1, 'internal', 'processing', 'a written count waits for the next reload (modes 2/3) or trigger (modes 1/5): null count'),
    perChannel('gate_fall_time', 64, 'internal', 'processing', 'while GATE holds the count (modes 0, 2, 3, 4): the icount of the last CLK edge counted, from count_load_time 0; else 0'),
    { name: 'irq_level', width: 1, access: 'ro', role: 'line', doc: 'channel 0 OUT as driven on IRQ0 (readable in the read-back status)' },
    { name: 'speaker_data', width: 1, access: 'rw', role: 'config', doc: 'port 0x61 bit 1: speaker data enable' },
    { name: 'nmi_check', width: 2, access: 'rw', role: 'config', doc: 'port 0x61 bits 3–2: parity / IOCHK NMI check disable' },
    { name: 'next_transition_time', width: 64, access: 'internal', role: 'processing', timer: true, doc: 'channel 0: next OUT transition (IRQ0 edge); channels 1 and 2 drive no interrupt and need no timer' },
  ],
};

function zeros(): number[] {
  return new Array<number>(PIT_CHANNELS).fill(0);
}

export class Pit8254 extends Device<Pit8254State> implements IoHandler {
  readonly schema = SCHEMA;
  readonly sizes = SIZE_8;
  state: Pit8254State = trackedState(SCHEMA, {
    count: zeros(), latched_count: zeros(), count_latched: zeros(), status_latched: zeros(), status: zeros(),
    read_state: zeros(), write_state: zeros(), write_latch: zeros(), rw_mode: zeros(), mode: zeros(), bcd: zeros(),
    gate: zeros(), count_load_time: zeros(), active_count: zeros(), counting: zeros(), cr_pending: zeros(),
    gate_fall_time: zeros(), irq_level: 0, speaker_data: 0, nmi_check: 0,
  });
  private readonly transitionTimer = this.addTimer('next_transition_time', (now) => {
    this.settle(now);
    this.updateIrq0(now);
  });

  private readonly portB: number;
  private readonly controlPort: number;
  private readonly irq: number;

  /** The datasheet's control logic (pit8254-control.ts); an access that may move OUT0 re-drives IRQ0. */
  private readonly control: Pit8254Control;

  constructor(ctx: DeviceContext, readonly wiring: PitWiring) {
    super(ctx);
    this.control = new Pit8254Control(() => this.state, ctx.clock.hz, (i, now) => {
      if (i === 0) this.updateIrq0(now);
    });
    this.portB = wiring.portB;
    this.controlPort = wiring.ports.base + PIT_CONTROL_OFFSET;
    this.irq = wiring.irq;
  }

  /** Register on the bus and map the four counter/control ports and port B. */
  mapPorts(bus: Bus): void {
    this.id = bus.registerDevice(this.name);
    bus.mapPorts(this.id, this.wiring.ports.base, this.wiring.ports.count, this);
    bus.mapPorts(this.id, this.portB, 1, this);
  }

  reset(): void {
    const s = this.state;
    const now = this.ctx.clock.icount;
    for (let i = 0; i < PIT_CHANNELS; i++) {
      s.count[i] = 0x10000;
      s.active_count[i] = 0x10000;
      s.latched_count[i] = 0;
      s.count_latched[i] = 0;
      s.status_latched[i] = 0;
      s.status[i] = 0;
      s.rw_mode[i] = RW_WORD0;
      s.read_state[i] = RW_WORD0;
      s.write_state[i] = RW_WORD0;
      s.write_latch[i] = 0;
      s.mode[i] = 3;
      s.bcd[i] = 0;
      s.gate[i] = i === 2 ? 0 : 1;
      s.count_load_time[i] = now;
      s.gate_fall_time[i] = now;
      s.counting[i] = 1;
      s.cr_pending[i] = 0;
    }
    s.speaker_data = 0;
    s.nmi_check = 0;
    this.settle(now);
    s.irq_level = outLevel(s, 0, this.ticks(now), this.ctx.clock.hz);
    this.ctx.irq.setIrq(this.irq, s.irq_level === 1);
    this.updateIrq0(now);
  }

  /**
   * Power-on without a BIOS (a ROM at the reset vector is the firmware): no channel has been
   * given a count, so none counts and OUT stays high - no IRQ0 edges until the guest
   * programs one. Everything else as reset() (the control words' defaults).
   */
  powerOnWithoutBios(): void {
    this.reset();
    const s = this.state;
    for (let i = 0; i < PIT_CHANNELS; i++) s.counting[i] = 0;
    const now = this.ctx.clock.icount;
    this.settle(now);
    s.irq_level = outLevel(s, 0, this.ticks(now), this.ctx.clock.hz);
    this.ctx.irq.setIrq(this.irq, s.irq_level === 1);
    this.updateIrq0(now);
  }

  read(port: number): number {
    const now = this.ctx.clock.icount;
    this.settle(now);
    let v: number;
    if (port === this.portB) v = this.readPortB(now);
    else if (port === this.controlPort) v = 0xff;
    else v = this.control.readCounter(port & 3, now);
    this.settle(now);
    return v;
  }

  write(port: number, _size: number, value: number): void {
    const now = this.ctx.clock.icount;
    this.settle(now);
    this.writeRegister(port, value, now);
    this.settle(now);
  }

  /**
   * Every channel in its canonical form (settleChannel): before an access, so the control logic
   * sees reloads that happened since, and after it, so the state recorded is canonical too.
   */
  private settle(now: number): void {
    settleChannels(this.state, this.ticks(now), this.ctx.clock.hz);
  }

  /** The declared state in canonical form at the current icount (the live state is only settled at events). */
  override snapshot(): StateSnapshot {
    const out = super.snapshot();
    settleChannels(out as unknown as Pit8254State, this.ticks(this.ctx.clock.icount), this.ctx.clock.hz);
    return out;
  }

  private writeRegister(port: number, value: number, now: number): void {
    if (port === this.portB) {
      this.state.speaker_data = (value >> 1) & 1;
      this.state.nmi_check = (value >> 2) & 3;
      this.setGate(2, value & 1, now);
    } else if (port === this.controlPort) {
      this.control.writeControl(value, now);
    } else {
      this.control.writeCounter(port & 3, value, now);
    }
  }

  /** GATE input of channel `i` (the board's port 0x61 bit 0 for channel 2). */
  setGate(i: number, level: number, now: number = this.ctx.clock.icount): void {
    this.control.setGate(i, level, now);
  }

  private readPortB(now: number): number {
    const s = this.state;
    this.control.sync(2, now);
    const nowTick = this.ticks(now);
    const refresh = Math.floor(nowTick / REFRESH_DIVISOR) & 1;
    const out2 = outLevel(s, 2, nowTick, this.ctx.clock.hz);
    return gateOf(s)[2] | (s.speaker_data << 1) | (s.nmi_check << 2) | (refresh << 4) | (out2 << 5);
  }

  /** Drive IRQ0 from channel 0's OUT and arm the timer for its next transition. */
  private updateIrq0(now: number): void {
    const s = this.state;
    const hz = this.ctx.clock.hz;
    const nowTick = this.ticks(now);
    const out = outLevel(s, 0, nowTick, hz);
    if (out !== s.irq_level) {
      s.irq_level = out;
      this.ctx.irq.setIrq(this.irq, out === 1);
    }
    const next = nextTransitionTick(s, 0, nowTick, hz);
    if (next < 0) this.transitionTimer.cancel();
    else this.transitionTimer.arm(icountAtTick(next, hz));
  }

  private ticks(icount: number): number {
    return pitTicks(icount, this.ctx.clock.hz);
  }

  /** IRQ0 is re-driven at its saved level; the transition timer was restored with the state. */
  protected override afterRestore(): void {
    this.ctx.irq.setIrq(this.irq, this.state.irq_level === 1);
  }

  protected override derived(): Record<string, number | string> {
    const s = this.state;
    const hz = this.ctx.clock.hz;
    const nowTick = this.ticks(this.ctx.clock.icount);
    const out: Record<string, number | string> = { pit_ticks: nowTick };
    for (let i = 0; i < PIT_CHANNELS; i++) {
      out[`ch${i}_count`] = counterValue(s, i, nowTick, hz);
      out[`ch${i}_out`] = outLevel(s, i, nowTick, hz);
      out[`ch${i}_null_count`] = nullCount(s, i, nowTick, hz);
    }
    return out;
  }
}
