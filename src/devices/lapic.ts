/**
 * Local APIC of the one CPU (xAPIC, version 0x14 with 6 LVT entries; Intel SDM vol. 3A
 * chapter 10 — section numbers below are from it).
 *
 * Address: where the board maps it (BOARD.lapic.mmioBase, 0xFEE00000), a 4 KiB MMIO page; registers on 16-byte boundaries.
 * Writes must be 32-bit and aligned (others are ignored, as QEMU and KVM do); reads may be
 * narrower, within the register's first 4 bytes (KVM). Relocation through IA32_APIC_BASE and
 * x2APIC are not modelled.
 *
 * Interrupt sources: fixed interrupts from the IOAPIC (`deliver`), self-IPIs through the ICR,
 * the LVT timer and error entries, and LINT0 — the 8259A's INT output. LINT0 in ExtINT mode
 * passes the PIC through ("virtual wire", MP spec 3.6.2.2): INTA then asks the PIC for the
 * vector. LINT0 is 0x700 (ExtINT, unmasked) after reset, as QEMU's apic_reset_common did
 * for the BSP until 2016 (it now leaves it to SeaBIOS, which programs 0x8700); we have no
 * BIOS, so the reset value stands in for it. As in KVM, ExtINT passes while LINT0 is
 * unmasked in ExtINT mode, whether or not the APIC is software-enabled.
 *
 * Timer (10.5.4): it counts down at the APIC bus clock divided by the divide configuration;
 * the APIC bus clock here is the instruction clock (clock.hz, one tick per instruction), so
 * a count of N with divide-by-D expires exactly N*D instructions after the initial-count
 * write. The current count is derived from the pending timer (ceil(remaining / D)).
 *
 * Board / fabric wiring:
 *   const lapic = new LocalApic(ctx, () => fabric.update());
 *   lapic.id = bus.registerDevice(lapic.name); bus.mapMmio(lapic.id, BOARD.lapic.mmioBase, LAPIC_MMIO_SIZE, lapic);
 *   fabric.lapic = lapic;  connectApics(ioapic, lapic)  (ioapic.ts: IOAPIC delivery + EOI broadcast)
 * `onOutputChange` is called whenever intrPending() may have changed, except inside
 * `setLint0` and `acknowledge`, which the fabric calls and follows with its own update.
 */
import { SIZES_ALL, type IoHandler } from '../machine/bus.js';
import type { Timer } from '../machine/clock.js';
import type { LapicPort } from '../machine/interrupts.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';
import { arrayReader, trackedState } from './tracked-state.js';

export const LAPIC_MMIO_SIZE = 0x1000;
/** Version register: version 0x14 (xAPIC), max LVT entry 5 (timer, thermal, perf, LINT0, LINT1, error). */
export const LAPIC_VERSION = 0x00050014;

export const LVT_TIMER = 0;
export const LVT_THERMAL = 1;
export const LVT_PERF = 2;
export const LVT_LINT0 = 3;
export const LVT_LINT1 = 4;
export const LVT_ERROR = 5;
export const LVT_COUNT = 6;

export const LVT_MASKED = 0x00010000;
export const LVT_TIMER_PERIODIC = 0x00020000;
export const LVT_LEVEL_TRIGGER = 0x00008000;
export const DELIVERY_FIXED = 0;
export const DELIVERY_LOWEST = 1;
export const DELIVERY_EXTINT = 7;
/** LVT bits software can write, per entry (10.5.1, figure 10-8): delivery status and remote IRR are read-only. */
const LVT_WRITABLE = [0x000300ff, 0x000107ff, 0x000107ff, 0x0001a7ff, 0x0001a7ff, 0x000100ff];
/** LINT0 after reset: ExtINT, unmasked (virtual wire). */
export const LINT0_VIRTUAL_WIRE = 0x00000700;

export const SVR_APIC_ENABLED = 0x100;
const SVR_WRITABLE = 0x3ff;
/** ICR low bits software can write: vector, delivery mode, destination mode, level, trigger, shorthand. */
const ICR_LOW_WRITABLE = 0x000ccfff;

export const ESR_SEND_ILLEGAL_VECTOR = 0x20;
export const ESR_RECEIVE_ILLEGAL_VECTOR = 0x40;

/** Register indices (offset >> 4). */
const R_ID = 0x02;
const R_VERSION = 0x03;
const R_TPR = 0x08;
const R_APR = 0x09;
const R_PPR = 0x0a;
const R_EOI = 0x0b;
const R_LDR = 0x0d;
const R_DFR = 0x0e;
const R_SVR = 0x0f;
const R_ISR = 0x10;
const R_TMR = 0x18;
const R_IRR = 0x20;
const R_ESR = 0x28;
const R_ICR_LOW = 0x30;
const R_ICR_HIGH = 0x31;
const R_LVT = 0x32;
const R_INITIAL_COUNT = 0x38;
const R_CURRENT_COUNT = 0x39;
const R_DIVIDE = 0x3e;

/** Who hears an EOI for a level-triggered vector (the IOAPIC, 10.8.5). */
export interface EoiListener {
  eoi(vector: number): void;
}

const SCHEMA: StateSchema = {
  device: 'lapic',
  version: 1,
  fields: [
    { name: 'id', width: 8, access: 'rw', role: 'config', doc: 'local APIC ID (0x020, bits 31:24)' },
    { name: 'tpr', width: 8, access: 'rw', role: 'processing', doc: 'task priority register (0x080)' },
    { name: 'spurious_vec', width: 10, access: 'rw', role: 'config', doc: 'spurious interrupt vector register (0x0F0): vector, APIC software enable (bit 8), focus (bit 9)' },
    { name: 'log_dest', width: 8, access: 'rw', role: 'config', doc: 'logical destination register (0x0D0, bits 31:24)' },
    { name: 'dest_mode', width: 4, access: 'rw', role: 'config', doc: 'destination format register model (0x0E0, bits 31:28): 0xF flat, 0x0 cluster' },
    { name: 'isr', width: 32, length: 8, access: 'ro', role: 'processing', doc: 'in-service register (0x100–0x170)' },
    { name: 'tmr', width: 32, length: 8, access: 'ro', role: 'processing', doc: 'trigger mode register (0x180–0x1F0): 1 = accepted level-triggered' },
    { name: 'irr', width: 32, length: 8, access: 'ro', role: 'processing', doc: 'interrupt request register (0x200–0x270)' },
    { name: 'lvt', width: 32, length: LVT_COUNT, access: 'rw', role: 'config', doc: 'LVT timer, thermal, perf, LINT0, LINT1, error (0x320–0x370)' },
    { name: 'esr', width: 8, access: 'rw', role: 'processing', doc: 'error status register (0x280); any write clears it (as QEMU)' },
    { name: 'icr', width: 32, length: 2, access: 'rw', role: 'command', doc: 'interrupt command register low (0x300, writing sends the IPI) and high (0x310)' },
    { name: 'divide_conf', width: 4, access: 'rw', role: 'config', doc: 'timer divide configuration (0x3E0, bits 3,1,0)' },
    { name: 'initial_count', width: 32, access: 'rw', role: 'config', doc: 'timer initial count (0x380); writing starts the count, 0 stops it' },
    { name: 'timer', width: 64, access: 'ro', role: 'processing', timer: true, doc: 'instructions until the timer count reaches 0 (the current count, 0x390, is derived from it)' },
    { name: 'lint0_level', width: 1, access: 'internal', role: 'line', doc: 'level of the LINT0 pin (the 8259A INT output)' },
  ],
};

export type LapicState = {
  id: number;
  tpr: number;
  spurious_vec: number;
  log_dest: number;
  dest_mode: number;
  isr: number[];
  tmr: number[];
  irr: number[];
  lvt: number[];
  esr: number;
  icr: number[];
  divide_conf: number;
  initial_count: number;
  lint0_level: number;
};

export interface LocalApicOptions {
  /** APIC ID after reset (default 0: the BSP). */
  apicId?: number;
}

function highestBit(words: readonly number[]): number {
  for (let i = 7; i >= 0; i--) {
    const w = words[i];
    if (w !== 0) return i * 32 + 31 - Math.clz32(w);
  }
  return -1;
}

// Readers that do not mark the field (tracked-state.ts): the priority logic reads IRR, ISR,
// TMR and the LVT on every interrupt, and a marked array costs the recorder a comparison of
// all its elements. Writes still go through the state's own getters.
const irrOf = arrayReader<LapicState, 'irr'>('irr');
const isrOf = arrayReader<LapicState, 'isr'>('isr');
const tmrOf = arrayReader<LapicState, 'tmr'>('tmr');
const lvtOf = arrayReader<LapicState, 'lvt'>('lvt');
const icrOf = arrayReader<LapicState, 'icr'>('icr');

function setBit(words: number[], v: number): void {
  words[v >>> 5] = (words[v >>> 5] | (1 << (v & 31))) >>> 0;
}

function clearBit(words: number[], v: number): void {
  words[v >>> 5] = (words[v >>> 5] & ~(1 << (v & 31))) >>> 0;
}

function testBit(words: readonly number[], v: number): boolean {
  return (words[v >>> 5] & (1 << (v & 31))) !== 0;
}

export class LocalApic extends Device<LapicState> implements IoHandler, LapicPort {
  readonly schema = SCHEMA;
  state: LapicState = trackedState(SCHEMA, LocalApic.resetState(0));
  readonly sizes = SIZES_ALL;
  /** The IOAPIC, for EOI broadcast of level-triggered vectors (set by connectApics). */
  eoiListener: EoiListener | null = null;

  private readonly timer: Timer;
  private readonly apicId: number;

  constructor(
    ctx: DeviceContext,
    private readonly onOutputChange: () => void,
    options: LocalApicOptions = {},
  ) {
    super(ctx);
    this.apicId = options.apicId ?? 0;
    Object.assign(this.state, LocalApic.resetState(this.apicId));
    this.timer = this.addTimer('timer', (now) => this.timerExpired(now));
  }

  /** Power-up / RESET state (10.4.7.1), plus LINT0 in virtual-wire mode (see header). */
  private static resetState(apicId: number): LapicState {
    const lvt = new Array<number>(LVT_COUNT).fill(LVT_MASKED);
    lvt[LVT_LINT0] = LINT0_VIRTUAL_WIRE;
    return {
      id: apicId,
      tpr: 0,
      spurious_vec: 0xff,
      log_dest: 0,
      dest_mode: 0xf,
      isr: new Array<number>(8).fill(0),
      tmr: new Array<number>(8).fill(0),
      irr: new Array<number>(8).fill(0),
      lvt,
      esr: 0,
      icr: [0, 0],
      divide_conf: 0,
      initial_count: 0,
      lint0_level: 0,
    };
  }

  reset(): void {
    this.timer.cancel();
    const level = this.state.lint0_level; // a pin, not a register: reset does not change the PIC's output
    Object.assign(this.state, LocalApic.resetState(this.apicId));
    this.state.lint0_level = level;
    this.onOutputChange();
  }

  /**
   * Power-on without a BIOS (a ROM at the reset vector is the firmware): the architectural
   * reset state, LINT0 masked like every LVT entry - no BIOS has set up virtual wire, so the
   * 8259A's INT does not reach the CPU until the guest unmasks it.
   */
  powerOnWithoutBios(): void {
    this.reset();
    this.state.lvt[LVT_LINT0] = LVT_MASKED;
    this.onOutputChange();
  }

  // ---------------------------------------------------------------- LapicPort (the fabric)

  intrPending(): boolean {
    return this.extIntPending() || this.deliverableVector() >= 0;
  }

  /**
   * INTA. ExtINT from LINT0 goes first (it ignores priorities; QEMU apic_get_interrupt); then
   * the highest IRR vector above the PPR moves to the ISR; with nothing deliverable (it was
   * masked by a TPR raise, or the APIC is software-disabled) the answer is the spurious vector,
   * with no ISR bit set (10.9).
   */
  acknowledge(ackExtInt: () => number): number {
    if (this.extIntPending()) return ackExtInt();
    const v = this.deliverableVector();
    if (v < 0) return this.state.spurious_vec & 0xff;
    clearBit(this.state.irr, v);
    setBit(this.state.isr, v);
    return v;
  }

  setLint0(level: boolean): void {
    const s = this.state;
    const rising = level && s.lint0_level === 0;
    s.lint0_level = level ? 1 : 0;
    const lvt = lvtOf(s)[LVT_LINT0];
    // Fixed mode: the rising edge requests the LVT vector (level-triggered LINT is not modelled beyond that).
    if (rising && !(lvt & LVT_MASKED) && ((lvt >>> 8) & 7) === DELIVERY_FIXED) this.accept(lvt & 0xff, false);
  }

  // ---------------------------------------------------------------- APIC bus (the IOAPIC)

  /** Does an interrupt message for `dest` reach this APIC (10.6.2)? */
  matchesDestination(dest: number, logical: boolean): boolean {
    const s = this.state;
    if (!logical) return dest === 0xff || dest === s.id;
    if (s.dest_mode === 0xf) return (dest & s.log_dest) !== 0; // flat model
    if (s.dest_mode === 0x0) return (dest & 0xf0) === (s.log_dest & 0xf0) && (dest & s.log_dest & 0x0f) !== 0; // cluster
    return false;
  }

  /** A fixed (or lowest-priority) interrupt message. False when the APIC does not take it (software-disabled, as KVM). */
  deliver(vector: number, levelTriggered: boolean): boolean {
    if (!this.softwareEnabled()) return false;
    const taken = this.accept(vector, levelTriggered);
    this.onOutputChange();
    return taken;
  }

  // ---------------------------------------------------------------- registers

  read(offset: number, size: number): number {
    const lane = offset & 0xf;
    if (lane + size > 4) return 0;
    const v = this.readRegister(offset >>> 4) >>> (8 * lane);
    return size === 4 ? v >>> 0 : v & ((1 << (8 * size)) - 1);
  }

  write(offset: number, size: number, value: number): void {
    if (size !== 4 || (offset & 0xf) !== 0) return;
    this.writeRegister(offset >>> 4, value >>> 0);
    this.onOutputChange();
  }

  private readRegister(index: number): number {
    const s = this.state;
    if (index >= R_ISR && index < R_ISR + 8) return isrOf(s)[index - R_ISR];
    if (index >= R_TMR && index < R_TMR + 8) return tmrOf(s)[index - R_TMR];
    if (index >= R_IRR && index < R_IRR + 8) return irrOf(s)[index - R_IRR];
    if (index >= R_LVT && index < R_LVT + LVT_COUNT) return lvtOf(s)[index - R_LVT];
    switch (index) {
      case R_ID: return (s.id << 24) >>> 0;
      case R_VERSION: return LAPIC_VERSION;
      case R_TPR: return s.tpr;
      case R_APR: return 0; // arbitration priority: not used on the system bus (10.6.2.4 note), QEMU returns 0
      case R_PPR: return this.ppr();
      case R_LDR: return (s.log_dest << 24) >>> 0;
      case R_DFR: return ((s.dest_mode << 28) | 0x0fffffff) >>> 0;
      case R_SVR: return s.spurious_vec;
      case R_ESR: return s.esr;
      case R_ICR_LOW: return icrOf(s)[0];
      case R_ICR_HIGH: return icrOf(s)[1];
      case R_INITIAL_COUNT: return s.initial_count;
      case R_CURRENT_COUNT: return this.currentCount();
      case R_DIVIDE: return s.divide_conf;
      default: return 0; // EOI is write-only; reserved registers read 0
    }
  }

  private writeRegister(index: number, v: number): void {
    const s = this.state;
    if (index >= R_LVT && index < R_LVT + LVT_COUNT) {
      const n = index - R_LVT;
      // 10.4.7.2: while software-disabled, LVT mask bits stay set.
      s.lvt[n] = ((v & LVT_WRITABLE[n]) | (this.softwareEnabled() ? 0 : LVT_MASKED)) >>> 0;
      return;
    }
    switch (index) {
      case R_ID: s.id = v >>> 24; return;
      case R_TPR: s.tpr = v & 0xff; return;
      case R_EOI: this.endOfInterrupt(); return;
      case R_LDR: s.log_dest = v >>> 24; return;
      case R_DFR: s.dest_mode = v >>> 28; return;
      case R_SVR:
        s.spurious_vec = v & SVR_WRITABLE;
        if (!this.softwareEnabled()) for (let i = 0; i < LVT_COUNT; i++) s.lvt[i] = (s.lvt[i] | LVT_MASKED) >>> 0;
        return;
      case R_ESR: s.esr = 0; return;
      case R_ICR_LOW: s.icr[0] = (v & ICR_LOW_WRITABLE) >>> 0; this.sendIpi(); return;
      case R_ICR_HIGH: s.icr[1] = (v & 0xff000000) >>> 0; return;
      case R_INITIAL_COUNT: this.startTimer(v); return;
      case R_DIVIDE: this.setDivide(v); return;
      default: return; // read-only and reserved registers ignore writes
    }
  }

  // ---------------------------------------------------------------- priorities

  private softwareEnabled(): boolean {
    return (this.state.spurious_vec & SVR_APIC_ENABLED) !== 0;
  }

  private extIntPending(): boolean {
    const lvt = lvtOf(this.state)[LVT_LINT0];
    return this.state.lint0_level === 1 && !(lvt & LVT_MASKED) && ((lvt >>> 8) & 7) === DELIVERY_EXTINT;
  }

  /** Processor priority (10.8.3.1): the TPR, or the class of the highest in-service vector if higher. */
  private ppr(): number {
    const tpr = this.state.tpr;
    const isrv = Math.max(highestBit(isrOf(this.state)), 0);
    return tpr >>> 4 >= isrv >>> 4 ? tpr : isrv & 0xf0;
  }

  /** The highest requested vector whose class is above the PPR, or -1. */
  private deliverableVector(): number {
    if (!this.softwareEnabled()) return -1;
    const v = highestBit(irrOf(this.state));
    if (v < 0 || (v & 0xf0) <= (this.ppr() & 0xf0)) return -1;
    return v;
  }

  /** Set IRR (and TMR for level-triggered); vectors 0–15 are illegal (10.5.3). No notification. */
  private accept(vector: number, levelTriggered: boolean): boolean {
    if (vector < 16) {
      this.signalError(ESR_RECEIVE_ILLEGAL_VECTOR);
      return false;
    }
    const s = this.state;
    if (!testBit(irrOf(s), vector)) setBit(s.irr, vector);
    if (testBit(tmrOf(s), vector) !== levelTriggered) {
      if (levelTriggered) setBit(s.tmr, vector);
      else clearBit(s.tmr, vector);
    }
    return true;
  }

  /** Log an error; a newly set ESR bit raises the LVT error interrupt if unmasked (10.5.3). */
  private signalError(bit: number): void {
    const s = this.state;
    if (s.esr & bit) return;
    s.esr |= bit;
    const lvt = lvtOf(s)[LVT_ERROR];
    if (!(lvt & LVT_MASKED)) this.accept(lvt & 0xff, false);
  }

  /** EOI (10.8.5): retire the highest in-service vector; a level-triggered one is broadcast to the IOAPIC. */
  private endOfInterrupt(): void {
    const s = this.state;
    const v = highestBit(isrOf(s));
    if (v < 0) return;
    clearBit(s.isr, v);
    if (testBit(tmrOf(s), v)) this.eoiListener?.eoi(v);
  }

  /** ICR (10.6.1): fixed and lowest-priority IPIs reach this CPU only (self, all-including-self, or our ID). */
  private sendIpi(): void {
    const s = this.state;
    const icr = icrOf(s);
    const low = icr[0];
    const mode = (low >>> 8) & 7;
    let toSelf: boolean;
    switch ((low >>> 18) & 3) {
      case 0: toSelf = this.matchesDestination(icr[1] >>> 24, (low & 0x800) !== 0); break;
      case 1: toSelf = true; break;
      case 2: toSelf = true; break;
      default: toSelf = false; // all excluding self: there is no other CPU
    }
    if (mode !== DELIVERY_FIXED && mode !== DELIVERY_LOWEST) return; // INIT, SIPI, NMI, SMI: not modelled
    const vector = low & 0xff;
    if (vector < 16) {
      this.signalError(ESR_SEND_ILLEGAL_VECTOR);
      return;
    }
    if (toSelf && this.softwareEnabled()) this.accept(vector, false);
  }

  // ---------------------------------------------------------------- timer

  /** Divide configuration (10.5.4, figure 10-10): bits 3,1,0 → 2, 4, …, 128, 1. */
  private divisor(): number {
    const dc = this.state.divide_conf;
    const v = (dc & 3) | ((dc >>> 1) & 4);
    return 1 << ((v + 1) & 7);
  }

  private currentCount(): number {
    if (!this.timer.armed) return 0;
    return Math.min(Math.ceil(this.timer.remaining() / this.divisor()), this.state.initial_count);
  }

  private startTimer(count: number): void {
    this.state.initial_count = count >>> 0;
    this.timer.cancel();
    if (count !== 0) this.timer.armIn(count * this.divisor());
  }

  /** A new divider applies from now on: the current count keeps its value and counts at the new rate. */
  private setDivide(v: number): void {
    const current = this.currentCount();
    this.state.divide_conf = v & 0xb;
    if (current > 0) this.timer.armIn(current * this.divisor());
  }

  private timerExpired(_now: number): void {
    const s = this.state;
    const lvt = lvtOf(s)[LVT_TIMER];
    if (!(lvt & LVT_MASKED)) this.accept(lvt & 0xff, false);
    if (lvt & LVT_TIMER_PERIODIC && s.initial_count !== 0) this.timer.armIn(s.initial_count * this.divisor());
    this.onOutputChange();
  }

  protected override afterRestore(): void {
    this.onOutputChange();
  }

  protected override derived(): Record<string, number | string> {
    return {
      current_count: this.currentCount(),
      ppr: this.ppr(),
      intr_pending: this.intrPending() ? 1 : 0,
    };
  }
}
