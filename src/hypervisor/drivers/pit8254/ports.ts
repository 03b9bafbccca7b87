/** The 8254's ports as the board places them (src/board/layout.ts): counters 0–2, the control word, port B. */
import { BOARD } from '../../../board/layout.js';

/** Counter `i`'s data port (A1 A0 = i). */
export function counterPort(i: number): number {
  return BOARD.pit.ports.base + i;
}
/** The control word register (A1 A0 = 11). */
export const CONTROL_PORT = BOARD.pit.ports.base + 3;
/** Port B: GATE2 (bit 0), speaker data (bit 1), NMI check bits; the PIT's OUT2 reads back here. */
export const PORT_B = BOARD.pit.portB;
