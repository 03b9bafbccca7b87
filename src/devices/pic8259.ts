/**
 * Intel 8259A programmable interrupt controller pair, as on a PC/AT.
 *
 * Ports: master 0x20 (A0=0: ICW1/OCW2/OCW3, read IRR/ISR/poll) and 0x21 (A0=1: ICW2–ICW4/OCW1,
 * read IMR); slave 0xA0/0xA1 likewise. Edge/Level Control Registers (ELCR, as on the PIIX):
 * master 0x4D0, slave 0x4D1; IRQ0/1/2/8/13 cannot be made level-triggered.
 *
 * Wiring: the slave's INT output drives the master's IR2 (the cascade); the master's INT is
 * the interrupt fabric's PIC output (`PicPort`). ISA IRQ 0–15 reach the pair through
 * `Pic8259Pair.setInput` (0–7 master, 8–15 slave; IRQ2 is the cascade and ignored as an input:
 * on a PC the ISA IRQ2 pin is routed to IRQ9).
 *
 * Board: `const pic = new Pic8259Pair(ctx, BOARD.pic, () => fabric.update()); pic.mapPorts(ctx.bus);`
 * then `fabric.pic = pic` and add `pic.master`, `pic.slave` (devices "pic.master",
 * "pic.slave") to the device list so they are reset and snapshotted.
 *
 * Datasheet: Intel 8259A (231468), "Programming the 8259A", ICW1–ICW4, OCW1–OCW3,
 * "Special Fully Nested Mode", "Poll Command", "Edge and Level Triggered Modes".
 * Behaviour follows QEMU's hw/intc/i8259.c where the datasheet leaves room, with three
 * datasheet refinements: ICW1 keeps the input levels (`last_irr`) so a line that is already
 * high needs a new rising edge; special fully nested mode only lets a slave's higher-priority
 * request through (not lower master levels); the cascade honours ICW3 (the master supplies
 * the vector itself for IR2 unless ICW3 declares a slave there, and the slave answers only to
 * ID 2 — otherwise nobody drives the bus and the CPU reads 0xFF).
 * Not modelled: MCS-80/85 mode CALL sequences (an x86 always runs the 8259A in 8086 mode;
 * the µPM bit is kept but has no effect) and buffered-mode SP/EN as an output (kept, no effect).
 */
import { SIZE_8, type Bus, type IoHandler, type PortRange } from '../machine/bus.js';
import type { PicPort } from '../machine/interrupts.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';
import { trackedState } from './tracked-state.js';

/** Where the board puts one 8259A: its two ports (A0 = 0, 1) and its edge/level control register. */
export interface PicChipWiring {
  readonly ports: PortRange;
  readonly elcr: number;
}

/** The pair: both chips and the master input the slave's INT drives. */
export interface PicWiring {
  readonly master: PicChipWiring;
  readonly slave: PicChipWiring;
  readonly cascadeIrq: number;
}

/** ELCR bits that exist (PIIX): IRQ0/1/2 on the master and IRQ8/13 on the slave are always edge. */
export const PIC_MASTER_ELCR_MASK = 0xf8;
export const PIC_SLAVE_ELCR_MASK = 0xde;
/** ICW3 on a PC: master has a slave on IR2; the slave's ID is 2. Kept from reset until a guest writes ICW3. */
const PC_MASTER_ICW3 = 0x04;
const PC_SLAVE_ICW3 = 0x02;

const ICW1_IC4 = 0x01;
const ICW1_SNGL = 0x02;
const ICW1_LTIM = 0x08;
const ICW1_INIT = 0x10;
const OCW3_SELECT = 0x08;
const OCW3_RIS = 0x01;
const OCW3_RR = 0x02;
const OCW3_POLL = 0x04;
const OCW3_SMM = 0x20;
const OCW3_ESMM = 0x40;

/** init_state values: where the chip is in the ICW sequence. */
const INIT_READY = 0;
const INIT_ICW2 = 1;
const INIT_ICW3 = 2;
const INIT_ICW4 = 3;

export type Pic8259State = {
  last_irr: number;
  irr: number;
  imr: number;
  isr: number;
  priority_add: number;
  irq_base: number;
  read_reg_select: number;
  poll: number;
  special_mask: number;
  init_state: number;
  auto_eoi: number;
  rotate_on_auto_eoi: number;
  special_fully_nested_mode: number;
  init4: number;
  single_mode: number;
  elcr: number;
  ltim: number;
  icw3: number;
  buffered_mode: number;
  microprocessor_mode: number;
};

function picSchema(device: string): StateSchema {
  return {
    device,
    version: 1,
    fields: [
      { name: 'last_irr', width: 8, access: 'internal', role: 'processing', doc: 'edge-sense latch: input levels last seen (an edge-triggered IR needs a low-to-high transition)' },
      { name: 'irr', width: 8, access: 'ro', role: 'processing', doc: 'interrupt request register (read via OCW3 RR=1 RIS=0)' },
      { name: 'imr', width: 8, access: 'rw', role: 'config', doc: 'interrupt mask register (OCW1; read at A0=1)' },
      { name: 'isr', width: 8, access: 'ro', role: 'processing', doc: 'in-service register (read via OCW3 RR=1 RIS=1)' },
      { name: 'priority_add', width: 3, access: 'internal', role: 'processing', doc: 'IR with the highest priority (changed by OCW2 rotate / set-priority and auto-EOI rotation)' },
      { name: 'irq_base', width: 8, access: 'wo', role: 'config', doc: 'vector base T7–T3 (ICW2 & 0xF8)' },
      { name: 'read_reg_select', width: 1, access: 'wo', role: 'config', doc: 'OCW3 RIS: A0=0 reads ISR (1) or IRR (0)' },
      { name: 'poll', width: 1, access: 'wo', role: 'processing', doc: 'OCW3 P: the next read is a poll (acts as INTA)' },
      { name: 'special_mask', width: 1, access: 'wo', role: 'config', doc: 'special mask mode (OCW3 ESMM/SMM)' },
      { name: 'init_state', width: 2, access: 'internal', role: 'processing', doc: 'position in the ICW sequence: 0 ready, 1 expects ICW2, 2 ICW3, 3 ICW4' },
      { name: 'auto_eoi', width: 1, access: 'wo', role: 'config', doc: 'ICW4 AEOI: ISR not set at INTA' },
      { name: 'rotate_on_auto_eoi', width: 1, access: 'wo', role: 'config', doc: 'OCW2 rotate in auto-EOI mode (set 100b / clear 000b)' },
      { name: 'special_fully_nested_mode', width: 1, access: 'wo', role: 'config', doc: 'ICW4 SFNM' },
      { name: 'init4', width: 1, access: 'wo', role: 'config', doc: 'ICW1 IC4: an ICW4 follows' },
      { name: 'single_mode', width: 1, access: 'wo', role: 'config', doc: 'ICW1 SNGL: no cascade, no ICW3' },
      { name: 'elcr', width: 8, access: 'rw', role: 'config', doc: 'edge/level control register (1 = level), ports 0x4D0/0x4D1' },
      { name: 'ltim', width: 1, access: 'wo', role: 'config', doc: 'ICW1 LTIM: all inputs level-triggered' },
      { name: 'icw3', width: 8, access: 'wo', role: 'config', doc: 'ICW3: master: IRs with a slave; slave: its ID (bits 2–0)' },
      { name: 'buffered_mode', width: 2, access: 'wo', role: 'config', doc: 'ICW4 BUF and M/S (bits 3–2); kept, no effect on a PC' },
      { name: 'microprocessor_mode', width: 1, access: 'wo', role: 'config', doc: 'ICW4 µPM (1 = 8086); kept, vectors are always 8086-style' },
    ],
  };
}

/** Highest priority (0 = highest) among the bits of `mask`, with IR `priorityAdd` at priority 0; 8 if none. */
function highestPriority(mask: number, priorityAdd: number): number {
  if (mask === 0) return 8;
  let p = 0;
  while ((mask & (1 << ((p + priorityAdd) & 7))) === 0) p++;
  return p;
}

/** One 8259A. Use `Pic8259Pair` for the PC's master/slave pair. */
export class Pic8259 extends Device<Pic8259State> implements IoHandler {
  readonly schema: StateSchema;
  readonly sizes = SIZE_8;
  state: Pic8259State = trackedState(picSchema('pic'), {
    last_irr: 0, irr: 0, imr: 0, isr: 0, priority_add: 0, irq_base: 0, read_reg_select: 0, poll: 0,
    special_mask: 0, init_state: 0, auto_eoi: 0, rotate_on_auto_eoi: 0, special_fully_nested_mode: 0,
    init4: 0, single_mode: 0, elcr: 0, ltim: 0, icw3: 0, buffered_mode: 0, microprocessor_mode: 0,
  });
  readonly basePort: number;
  readonly elcrPort: number;
  private readonly elcrMask: number;
  /** INT output as last reported (derived; recomputed in afterRestore). */
  private output = false;

  constructor(
    ctx: DeviceContext,
    readonly isMaster: boolean,
    readonly wiring: PicChipWiring,
    /** Called when the INT output changes level. */
    private readonly onOutput: (level: boolean) => void,
  ) {
    super(ctx);
    this.schema = picSchema(isMaster ? 'pic.master' : 'pic.slave');
    this.basePort = wiring.ports.base;
    this.elcrPort = wiring.elcr;
    this.elcrMask = isMaster ? PIC_MASTER_ELCR_MASK : PIC_SLAVE_ELCR_MASK;
  }

  reset(): void {
    const s = this.state;
    s.last_irr = 0; s.irr = 0; s.imr = 0; s.isr = 0; s.priority_add = 0; s.irq_base = 0;
    s.read_reg_select = 0; s.poll = 0; s.special_mask = 0; s.init_state = INIT_READY; s.auto_eoi = 0;
    s.rotate_on_auto_eoi = 0; s.special_fully_nested_mode = 0; s.init4 = 0; s.single_mode = 0;
    s.elcr = 0; s.ltim = 0; s.buffered_mode = 0; s.microprocessor_mode = 0;
    s.icw3 = this.isMaster ? PC_MASTER_ICW3 : PC_SLAVE_ICW3;
    this.refresh();
  }

  /** Inputs that are level-triggered: all with ICW1 LTIM, else per ELCR. */
  private levelMask(): number {
    return this.state.ltim ? 0xff : this.state.elcr;
  }

  /** An IR input pin changed (or was re-driven) to `level`. */
  setInput(pin: number, level: boolean): void {
    const s = this.state;
    const bit = 1 << (pin & 7);
    if (this.levelMask() & bit) {
      // Level-triggered: IRR follows the input; a request that drops before INTA is gone.
      if (level) { s.irr |= bit; s.last_irr |= bit; } else { s.irr &= ~bit; s.last_irr &= ~bit; }
    } else if (level) {
      if ((s.last_irr & bit) === 0) s.irr |= bit;
      s.last_irr |= bit;
    } else {
      s.last_irr &= ~bit;
    }
    this.refresh();
  }

  /** The IR this chip would deliver now, or -1 (its INT output is high iff >= 0). */
  pendingIrq(): number {
    const s = this.state;
    const pa = s.priority_add;
    const priority = highestPriority(s.irr & ~s.imr & 0xff, pa);
    if (priority === 8) return -1;
    // Special mask mode: masked levels in service do not block others (datasheet, OCW3 SMM).
    const inService = s.special_mask ? s.isr & ~s.imr : s.isr;
    const current = highestPriority(inService, pa);
    const irq = (priority + pa) & 7;
    if (priority < current) return irq;
    // Special fully nested mode: a slave in service does not lock out its own
    // higher-priority requests, which arrive on the same master IR (datasheet, SFNM).
    if (s.special_fully_nested_mode && this.isMaster && priority === current && this.cascadesOn(irq)) return irq;
    return -1;
  }

  /** INTA (or a poll read) for `irq`: set ISR unless auto-EOI, clear an edge request. */
  intack(irq: number): void {
    const s = this.state;
    const bit = 1 << irq;
    if (s.auto_eoi) {
      if (s.rotate_on_auto_eoi) s.priority_add = (irq + 1) & 7;
    } else {
      s.isr |= bit;
    }
    if ((this.levelMask() & bit) === 0) s.irr &= ~bit;
    this.refresh();
  }

  /** Master: ICW3 declares a slave on `irq` (cascade mode only). */
  cascadesOn(irq: number): boolean {
    return this.isMaster && this.state.single_mode === 0 && (this.state.icw3 & (1 << irq)) !== 0;
  }

  /** Slave: answers the master's cascade address `id`. */
  answersCascade(id: number): boolean {
    return this.state.single_mode === 0 && (this.state.icw3 & 7) === id;
  }

  intOutput(): boolean {
    return this.pendingIrq() >= 0;
  }

  read(port: number): number {
    const s = this.state;
    if (port === this.elcrPort) return s.elcr;
    if (s.poll) {
      // Poll command: this read acts as INTA; bit 7 = request present, bits 2–0 = its IR.
      s.poll = 0;
      const irq = this.pendingIrq();
      if (irq < 0) return 0;
      this.intack(irq);
      return 0x80 | irq;
    }
    if (port & 1) return s.imr;
    return s.read_reg_select ? s.isr : s.irr;
  }

  write(port: number, _size: number, value: number): void {
    const s = this.state;
    if (port === this.elcrPort) {
      s.elcr = value & this.elcrMask;
      // Inputs now level-triggered request exactly while they are high.
      const level = this.levelMask();
      s.irr = (s.irr & ~level) | (s.last_irr & level);
      this.refresh();
      return;
    }
    if ((port & 1) === 0) {
      if (value & ICW1_INIT) this.writeIcw1(value);
      else if (value & OCW3_SELECT) this.writeOcw3(value);
      else this.writeOcw2(value);
      return;
    }
    switch (s.init_state) {
      case INIT_ICW2:
        s.irq_base = value & 0xf8;
        s.init_state = s.single_mode ? (s.init4 ? INIT_ICW4 : INIT_READY) : INIT_ICW3;
        break;
      case INIT_ICW3:
        s.icw3 = value;
        s.init_state = s.init4 ? INIT_ICW4 : INIT_READY;
        break;
      case INIT_ICW4:
        s.special_fully_nested_mode = (value >> 4) & 1;
        s.buffered_mode = (value >> 2) & 3;
        s.auto_eoi = (value >> 1) & 1;
        s.microprocessor_mode = value & 1;
        s.init_state = INIT_READY;
        break;
      default: // OCW1
        s.imr = value;
        this.refresh();
    }
  }

  /**
   * ICW1 (datasheet, "Initialization Command Words"): the edge-sense circuit is reset (a
   * request needs a new low-to-high transition: IRR loses edge requests, `last_irr` keeps the
   * input levels), IMR cleared, IR7 lowest priority, special mask mode cleared, status read
   * set to IRR, ICW4 functions zeroed (they are rewritten if IC4 = 1).
   */
  private writeIcw1(value: number): void {
    const s = this.state;
    s.init4 = value & ICW1_IC4 ? 1 : 0;
    s.single_mode = value & ICW1_SNGL ? 1 : 0;
    s.ltim = value & ICW1_LTIM ? 1 : 0;
    s.imr = 0;
    s.isr = 0;
    s.priority_add = 0;
    s.irq_base = 0;
    s.read_reg_select = 0;
    s.poll = 0;
    s.special_mask = 0;
    s.auto_eoi = 0;
    s.rotate_on_auto_eoi = 0;
    s.special_fully_nested_mode = 0;
    s.buffered_mode = 0;
    s.microprocessor_mode = 0;
    s.irr = s.last_irr & this.levelMask();
    s.init_state = INIT_ICW2;
    this.refresh();
  }

  private writeOcw2(value: number): void {
    const s = this.state;
    const command = value >> 5;
    switch (command) {
      case 0: // rotate in auto-EOI mode: clear
      case 4: // rotate in auto-EOI mode: set
        s.rotate_on_auto_eoi = command >> 2;
        break;
      case 1: // non-specific EOI
      case 5: { // rotate on non-specific EOI
        // In special mask mode, masked levels are not cleared by a non-specific EOI (datasheet, OCW2).
        const inService = s.special_mask ? s.isr & ~s.imr : s.isr;
        const priority = highestPriority(inService, s.priority_add);
        if (priority !== 8) {
          const irq = (priority + s.priority_add) & 7;
          s.isr &= ~(1 << irq);
          if (command === 5) s.priority_add = (irq + 1) & 7;
        }
        break;
      }
      case 3: // specific EOI
        s.isr &= ~(1 << (value & 7));
        break;
      case 6: // set priority: the named IR becomes the lowest
        s.priority_add = (value + 1) & 7;
        break;
      case 7: // rotate on specific EOI
        s.isr &= ~(1 << (value & 7));
        s.priority_add = (value + 1) & 7;
        break;
      default: // 2: no operation
        break;
    }
    this.refresh();
  }

  private writeOcw3(value: number): void {
    const s = this.state;
    if (value & OCW3_POLL) s.poll = 1;
    if (value & OCW3_RR) s.read_reg_select = value & OCW3_RIS;
    if (value & OCW3_ESMM) s.special_mask = value & OCW3_SMM ? 1 : 0;
    this.refresh();
  }

  /** Recompute INT and report a change. */
  private refresh(): void {
    const out = this.pendingIrq() >= 0;
    if (out !== this.output) {
      this.output = out;
      this.onOutput(out);
    }
  }

  /**
   * The master re-reports its INT so the fabric recomputes INTR. The slave does not: its INT
   * is the master's IR2, whose edge latch (`last_irr`) was restored with the master.
   */
  protected override afterRestore(): void {
    this.output = this.pendingIrq() >= 0;
    if (this.isMaster) this.onOutput(this.output);
  }

  protected override derived(): Record<string, number | string> {
    return { int_output: this.pendingIrq() >= 0 ? 1 : 0, pending_irq: this.pendingIrq() };
  }
}

/** The PC's cascaded pair, as the interrupt fabric sees it. */
export class Pic8259Pair implements PicPort {
  readonly master: Pic8259;
  readonly slave: Pic8259;
  readonly devices: readonly Pic8259[];

  private readonly cascadeIrq: number;

  constructor(ctx: DeviceContext, wiring: PicWiring, onOutputChange: () => void) {
    this.cascadeIrq = wiring.cascadeIrq;
    this.master = new Pic8259(ctx, true, wiring.master, () => onOutputChange());
    this.slave = new Pic8259(ctx, false, wiring.slave, (level) => this.master.setInput(this.cascadeIrq, level));
    this.devices = [this.master, this.slave];
  }

  /** Register both chips on the bus and map their ports (0x20/0x21 + 0x4D0, 0xA0/0xA1 + 0x4D1). */
  mapPorts(bus: Bus): void {
    for (const chip of this.devices) {
      chip.id = bus.registerDevice(chip.name);
      bus.mapPorts(chip.id, chip.basePort, chip.wiring.ports.count, chip);
      bus.mapPorts(chip.id, chip.elcrPort, 1, chip);
    }
  }

  /** ISA IRQ `pin` (0–15) changed level. IRQ2 is the cascade and not an ISA input. */
  setInput(pin: number, level: boolean): void {
    if (pin < 8) {
      if (pin !== this.cascadeIrq) this.master.setInput(pin, level);
    } else if (pin < 16) {
      this.slave.setInput(pin - 8, level);
    }
  }

  intOutput(): boolean {
    return this.master.intOutput();
  }

  /**
   * INTA: the vector, updating ISR/IRR (datasheet, "Interrupt Sequence"). A request that
   * vanished before INTA (a level input dropped, or it was masked) yields IR7 of the chip
   * that lost it — vector base+7 — without setting ISR7: the spurious IRQ7 / IRQ15.
   */
  acknowledge(): number {
    const master = this.master;
    const irq = master.pendingIrq();
    if (irq < 0) return master.state.irq_base + 7;
    let vector: number;
    if (master.cascadesOn(irq)) {
      const slave = this.slave;
      if (irq === this.cascadeIrq && slave.answersCascade(this.cascadeIrq)) {
        const irq2 = slave.pendingIrq();
        if (irq2 >= 0) {
          slave.intack(irq2);
          vector = slave.state.irq_base + irq2;
        } else {
          vector = slave.state.irq_base + 7;
        }
      } else {
        vector = 0xff; // no slave answers the cascade address: the data bus floats high
      }
    } else {
      vector = master.state.irq_base + irq;
    }
    master.intack(irq);
    return vector;
  }
}
