/**
 * The board's interrupt wiring, as on a PC with an APIC:
 *
 *   ISA IRQ 0–15 ──► 8259A pair (master INT) ──► LAPIC LINT0 (ExtINT, "virtual wire")
 *               └──► IOAPIC pins (IRQ0 → pin 2, others 1:1) ──► LAPIC (fixed vectors)
 *   LAPIC (or, without one, the PIC's INT output) ──► CPU INTR; INTA asks the same source.
 *
 * Devices raise ISA lines through `setIrq`; interrupt controllers call `update()` whenever
 * their output may have changed, and the fabric recomputes the CPU's INTR pin. Nothing here
 * holds state of its own: the controllers do.
 */
/** Interrupt request lines of the board (ISA IRQ numbers 0–15, fanned out to PIC and IOAPIC). */
export interface IrqSink {
  setIrq(line: number, level: boolean): void;
}

/** A controller with input pins (PIC: 0–15; IOAPIC: 0–23). */
export interface IrqInputs {
  setInput(pin: number, level: boolean): void;
}

/** The 8259A pair as the fabric sees it. */
export interface PicPort extends IrqInputs {
  /** Level of the master's INT output. */
  intOutput(): boolean;
  /** INTA cycle: the vector to deliver (updates ISR/IRR as the datasheet says). */
  acknowledge(): number;
}

/** The local APIC as the fabric sees it. */
export interface LapicPort {
  /** True while the LAPIC has an interrupt to deliver to the CPU (fixed, or ExtINT through LINT0). */
  intrPending(): boolean;
  /** INTA: the vector; for ExtINT the LAPIC asks the PIC (through `ackExtInt`). */
  acknowledge(ackExtInt: () => number): number;
  /** The PIC's INT output changed: LINT0 input level. */
  setLint0(level: boolean): void;
}

/** What the CPU exposes to the fabric. */
export interface CpuIntrPin {
  setIntrLine(level: boolean): void;
  interruptAcknowledge: () => number;
}

/** Sees interrupt traffic (the trace records it). Called synchronously; must not allocate. */
export interface InterruptObserver {
  /** An ISA IRQ line changed level (only real changes are reported). */
  line(irq: number, level: boolean): void;
  /** The CPU ran an INTA cycle and will deliver this vector. */
  acknowledged(vector: number): void;
}

export class InterruptFabric implements IrqSink {
  pic: PicPort | null = null;
  ioapic: IrqInputs | null = null;
  lapic: LapicPort | null = null;
  observer: InterruptObserver | null = null;
  /** Current level of each ISA line (derived from the devices; used to report changes only). */
  private readonly levels = new Uint8Array(16);

  /** The IOAPIC pin (GSI) of each ISA line, as the board wires them. */
  private readonly gsi: Uint8Array;

  constructor(
    private readonly cpu: CpuIntrPin,
    isaIrqToGsi: (irq: number) => number,
  ) {
    this.gsi = Uint8Array.from({ length: 16 }, (_, irq) => isaIrqToGsi(irq));
    cpu.interruptAcknowledge = () => this.acknowledge();
  }

  setIrq(line: number, level: boolean): void {
    const v = level ? 1 : 0;
    if (this.levels[line] !== v) {
      this.levels[line] = v;
      this.observer?.line(line, level);
    }
    this.pic?.setInput(line, level);
    this.ioapic?.setInput(this.gsi[line], level);
  }

  /** Recompute the CPU's INTR pin after any controller output change. */
  update(): void {
    const pic = this.pic;
    if (this.lapic !== null) {
      this.lapic.setLint0(pic !== null && pic.intOutput());
      this.cpu.setIntrLine(this.lapic.intrPending());
    } else {
      this.cpu.setIntrLine(pic !== null && pic.intOutput());
    }
  }

  /** INTA as the 8259A pair answers it (0xff, a floating bus, without one). Made once: INTA runs on every interrupt. */
  private readonly picAcknowledge = (): number => (this.pic !== null ? this.pic.acknowledge() : 0xff);

  private acknowledge(): number {
    const vector = this.lapic !== null ? this.lapic.acknowledge(this.picAcknowledge) : this.picAcknowledge();
    this.update();
    this.observer?.acknowledged(vector);
    return vector;
  }
}
