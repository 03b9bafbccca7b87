/**
 * I/O APIC, 82093AA-style (Intel 82093AA I/O APIC datasheet, sections 3.0–3.2): 24 input pins,
 * each with a 64-bit redirection entry, delivering fixed interrupts to the one local APIC.
 *
 * Address: where the board maps it (BOARD.ioapic.mmioBase, 0xFEC00000): IOREGSEL at +0x00 (8 bits, any access width), IOWIN at
 * +0x10 (32-bit accesses only; narrower ones read 0 and are ignored, as QEMU's
 * ioapic_mem_read/write). Indirect registers: 0x00 ID (bits 27:24), 0x01 VER (0x00170011: 24
 * entries, version 0x11), 0x02 ARB (reads the ID), 0x10 + 2n / 0x11 + 2n entry n low / high.
 * Every register is readable: the IOAPIC has no write-only state (BLMVisor 4.5).
 *
 * Inputs: `setInput(pin, level)` (IrqInputs) from the interrupt fabric: ISA IRQ n → pin n,
 * IRQ 0 → pin 2; the RTL8169's INTA# arrives on pin 11. `level` is "asserted": the polarity
 * bit is stored but not applied (QEMU does the same).
 *
 * Semantics (82093AA 3.2.4):
 *  - edge: a rising edge on an unmasked pin sends the vector; edges on a masked pin are lost;
 *  - level: while the pin is asserted, unmasked and remote IRR is clear, the vector is sent
 *    and remote IRR set when the local APIC takes it; the local APIC's EOI for that vector
 *    (`eoi`, a broadcast from LocalApic) clears remote IRR, and a still-asserted pin is sent
 *    again. Unmasking an asserted level pin sends it. Switching an entry to edge clears
 *    remote IRR (as KVM does).
 *  - delivery: fixed and lowest-priority messages go to the local APIC if the destination
 *    (physical ID / logical LDR+DFR) matches; SMI, NMI, INIT and ExtINT entries are not
 *    modelled (the PIC reaches the CPU through LAPIC LINT0). Delivery status (bit 12) always
 *    reads 0: delivery is immediate.
 *
 * Board wiring: `const ioapic = new IoApic(ctx)`; register it as "ioapic" and map
 * BOARD.ioapic.mmioBase, IOAPIC_MMIO_SIZE; `fabric.ioapic = ioapic`; `connectApics(ioapic, lapic)`.
 */
import { SIZES_ALL, type IoHandler } from '../machine/bus.js';
import type { IrqInputs } from '../machine/interrupts.js';
import { Device } from './device.js';
import type { LocalApic } from './lapic.js';
import type { StateSchema } from './schema.js';
import { arrayReader, trackedState } from './tracked-state.js';

export const IOAPIC_MMIO_SIZE = 0x20;
export const IOAPIC_PINS = 24;
export const IOAPIC_VERSION = 0x00170011;

export const IOREGSEL = 0x00;
export const IOWIN = 0x10;

export const IOAPIC_REG_ID = 0x00;
export const IOAPIC_REG_VER = 0x01;
export const IOAPIC_REG_ARB = 0x02;
export const IOAPIC_REG_REDTBL = 0x10;

export const REDIR_MASKED = 0x00010000;
export const REDIR_LEVEL = 0x00008000;
export const REDIR_REMOTE_IRR = 0x00004000;
export const REDIR_POLARITY_LOW = 0x00002000;
export const REDIR_LOGICAL = 0x00000800;
/** Low-dword bits software writes: vector, delivery mode, destination mode, polarity, trigger, mask. */
const REDIR_LOW_WRITABLE = 0x0001afff;
const REDIR_HIGH_WRITABLE = 0xff000000;

/** What the IOAPIC sends interrupt messages to: the local APIC. */
export interface ApicDeliveryTarget {
  matchesDestination(dest: number, logical: boolean): boolean;
  /** True when the local APIC took the interrupt. */
  deliver(vector: number, levelTriggered: boolean): boolean;
}

const SCHEMA: StateSchema = {
  device: 'ioapic',
  version: 1,
  fields: [
    { name: 'id', width: 4, access: 'rw', role: 'config', doc: 'IOAPIC ID (register 0x00, bits 27:24)' },
    { name: 'ioregsel', width: 8, access: 'rw', role: 'config', doc: 'IOREGSEL (+0x00): index of the register IOWIN reaches' },
    { name: 'ioredtbl_lo', width: 32, length: IOAPIC_PINS, access: 'rw', role: 'config', doc: 'redirection entries, low dword: vector, delivery mode, dest mode, polarity, remote IRR (ro, bit 14), trigger, mask' },
    { name: 'ioredtbl_hi', width: 32, length: IOAPIC_PINS, access: 'rw', role: 'config', doc: 'redirection entries, high dword: destination (bits 63:56)' },
    { name: 'pin_level', width: 24, access: 'internal', role: 'line', doc: 'input pin levels (1 = asserted), bit per pin' },
  ],
};

export type IoApicState = {
  id: number;
  ioregsel: number;
  ioredtbl_lo: number[];
  ioredtbl_hi: number[];
  pin_level: number;
};

// Readers that do not mark the field (tracked-state.ts): every interrupt reads its entry, and a
// marked table costs the recorder a comparison of all 24 entries. Writes go through the state's getters.
const lowOf = arrayReader<IoApicState, 'ioredtbl_lo'>('ioredtbl_lo');
const highOf = arrayReader<IoApicState, 'ioredtbl_hi'>('ioredtbl_hi');

export class IoApic extends Device<IoApicState> implements IoHandler, IrqInputs {
  readonly schema = SCHEMA;
  state: IoApicState = trackedState(SCHEMA, IoApic.resetState());
  readonly sizes = SIZES_ALL;
  /** The local APIC interrupt messages go to (set by connectApics). */
  target: ApicDeliveryTarget | null = null;

  private static resetState(): IoApicState {
    return {
      id: 0,
      ioregsel: 0,
      ioredtbl_lo: new Array<number>(IOAPIC_PINS).fill(REDIR_MASKED),
      ioredtbl_hi: new Array<number>(IOAPIC_PINS).fill(0),
      pin_level: 0,
    };
  }

  /** RESET: every entry masked (82093AA 3.2.4); input pins keep whatever the devices drive. */
  reset(): void {
    const level = this.state.pin_level;
    Object.assign(this.state, IoApic.resetState());
    this.state.pin_level = level;
  }

  // ---------------------------------------------------------------- pins

  setInput(pin: number, level: boolean): void {
    if (pin < 0 || pin >= IOAPIC_PINS) return;
    const bit = 1 << pin;
    const was = (this.state.pin_level & bit) !== 0;
    this.state.pin_level = level ? this.state.pin_level | bit : this.state.pin_level & ~bit;
    if (!level || was) return;
    const low = lowOf(this.state)[pin];
    if (low & REDIR_LEVEL) this.serviceLevel(pin);
    else if (!(low & REDIR_MASKED)) this.send(pin);
  }

  /** EOI broadcast from the local APIC for `vector` (82093AA 3.2.4, remote IRR). */
  eoi(vector: number): void {
    const s = this.state;
    const table = lowOf(s);
    for (let pin = 0; pin < IOAPIC_PINS; pin++) {
      const low = table[pin];
      if ((low & 0xff) !== vector || !(low & REDIR_REMOTE_IRR)) continue;
      s.ioredtbl_lo[pin] = (low & ~REDIR_REMOTE_IRR) >>> 0;
      this.serviceLevel(pin);
    }
  }

  /** A level-triggered pin: send while asserted, unmasked and not awaiting EOI. */
  private serviceLevel(pin: number): void {
    const s = this.state;
    const low = lowOf(s)[pin];
    if (!(low & REDIR_LEVEL) || low & (REDIR_MASKED | REDIR_REMOTE_IRR)) return;
    if (!(s.pin_level & (1 << pin))) return;
    if (this.send(pin)) s.ioredtbl_lo[pin] = (lowOf(s)[pin] | REDIR_REMOTE_IRR) >>> 0;
  }

  /** Send entry `pin`'s message; true when the local APIC took it. */
  private send(pin: number): boolean {
    const target = this.target;
    if (target === null) return false;
    const low = lowOf(this.state)[pin];
    const mode = (low >>> 8) & 7;
    if (mode !== 0 && mode !== 1) return false; // only fixed and lowest priority are modelled
    const dest = highOf(this.state)[pin] >>> 24;
    if (!target.matchesDestination(dest, (low & REDIR_LOGICAL) !== 0)) return false;
    return target.deliver(low & 0xff, (low & REDIR_LEVEL) !== 0);
  }

  // ---------------------------------------------------------------- registers

  read(offset: number, size: number): number {
    if (offset === IOREGSEL) return this.state.ioregsel;
    if (offset === IOWIN && size === 4) return this.readIndirect(this.state.ioregsel);
    return 0;
  }

  write(offset: number, size: number, value: number): void {
    if (offset === IOREGSEL) this.state.ioregsel = value & 0xff;
    else if (offset === IOWIN && size === 4) this.writeIndirect(this.state.ioregsel, value >>> 0);
  }

  private readIndirect(index: number): number {
    const s = this.state;
    switch (index) {
      case IOAPIC_REG_ID:
      case IOAPIC_REG_ARB:
        return (s.id << 24) >>> 0;
      case IOAPIC_REG_VER:
        return IOAPIC_VERSION;
    }
    const n = (index - IOAPIC_REG_REDTBL) >> 1;
    if (index < IOAPIC_REG_REDTBL || n >= IOAPIC_PINS) return 0;
    return index & 1 ? highOf(s)[n] : lowOf(s)[n];
  }

  private writeIndirect(index: number, value: number): void {
    const s = this.state;
    if (index === IOAPIC_REG_ID) {
      s.id = (value >>> 24) & 0xf;
      return;
    }
    const n = (index - IOAPIC_REG_REDTBL) >> 1;
    if (index < IOAPIC_REG_REDTBL || n >= IOAPIC_PINS) return;
    if (index & 1) {
      s.ioredtbl_hi[n] = (value & REDIR_HIGH_WRITABLE) >>> 0;
      return;
    }
    let low = (value & REDIR_LOW_WRITABLE) | (lowOf(s)[n] & REDIR_REMOTE_IRR);
    if (!(low & REDIR_LEVEL)) low &= ~REDIR_REMOTE_IRR;
    s.ioredtbl_lo[n] = low >>> 0;
    this.serviceLevel(n);
  }

  protected override derived(): Record<string, number | string> {
    return { connected: this.target === null ? 0 : 1 };
  }
}

/** Wire the IOAPIC's interrupt messages to the local APIC and the local APIC's EOI broadcast back. */
export function connectApics(ioapic: IoApic, lapic: LocalApic): void {
  ioapic.target = lapic;
  lapic.eoiListener = ioapic;
}
