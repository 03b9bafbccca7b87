/**
 * The PC's two 8259As as the board wires them (src/board/layout.ts): ports, ELCR, the ISA
 * IRQs on their inputs, the cascade. The ELCR masks (which IRs may be level-triggered) are
 * the chip's, from its datasheet module.
 */
import { BOARD } from '../../../board/layout.js';
import { PIC_MASTER_ELCR_MASK, PIC_SLAVE_ELCR_MASK } from '../../../devices/pic8259.js';

/** An 8259A has eight interrupt request inputs (IR0–IR7). */
export const IRS_PER_CHIP = 8;

export interface PicChip {
  readonly device: 'pic.master' | 'pic.slave';
  readonly isMaster: boolean;
  /** A0 = 0 port; A0 = 1 is base + 1. */
  readonly base: number;
  readonly elcrPort: number;
  readonly elcrMask: number;
  /** ISA IRQ on IR0. */
  readonly isa: number;
}

export const MASTER: PicChip = {
  device: 'pic.master', isMaster: true, base: BOARD.pic.master.ports.base, elcrPort: BOARD.pic.master.elcr,
  elcrMask: PIC_MASTER_ELCR_MASK, isa: 0,
};

export const SLAVE: PicChip = {
  device: 'pic.slave', isMaster: false, base: BOARD.pic.slave.ports.base, elcrPort: BOARD.pic.slave.elcr,
  elcrMask: PIC_SLAVE_ELCR_MASK, isa: IRS_PER_CHIP,
};

/** The master's IR the slave's INT drives, as an IR bit. */
export const CASCADE_BIT = 1 << BOARD.pic.cascadeIrq;

/** The chip an ISA IRQ reaches. */
export function chipOf(irq: number): PicChip {
  return irq >= SLAVE.isa ? SLAVE : MASTER;
}
