/**
 * What the guest's write that sets a field is called in its datasheet, so a report can say
 * "set by ICW4" rather than "set by a write to port 0x21". Only fields whose setting write has
 * a name worth knowing are listed; the report falls back to the port and value. Ports are the
 * board's (src/board/layout.ts).
 */
import { BOARD } from '../src/board/layout.js';

const port = (p: number): string => `port 0x${p.toString(16)}`;
const PIT_CONTROL_WORD = `a control word (${port(BOARD.pit.ports.base + 3)})`;
const CMOS_INDEX_WRITE = `the CMOS index write (${port(BOARD.rtc.ports.base)})`;
const PIC: Record<string, string> = {
  init4: 'ICW1',
  single_mode: 'ICW1',
  ltim: 'ICW1',
  irq_base: 'ICW2',
  icw3: 'ICW3',
  auto_eoi: 'ICW4',
  special_fully_nested_mode: 'ICW4',
  buffered_mode: 'ICW4',
  microprocessor_mode: 'ICW4',
  imr: 'OCW1',
  rotate_on_auto_eoi: 'OCW2',
  priority_add: 'OCW2',
  read_reg_select: 'OCW3',
  poll: 'OCW3',
  special_mask: 'OCW3',
  elcr: 'the ELCR write',
};

const BY_DEVICE: Record<string, Record<string, string>> = {
  'pic.master': PIC,
  'pic.slave': PIC,
  pit: {
    rw_mode: PIT_CONTROL_WORD,
    mode: PIT_CONTROL_WORD,
    bcd: PIT_CONTROL_WORD,
    count: 'a count write',
    write_state: 'a count byte or control word',
    write_latch: 'a count low byte',
    read_state: 'a count read or control word',
    count_latched: 'a counter-latch or read-back command',
    latched_count: 'a counter-latch or read-back command',
    status_latched: 'a read-back command',
  },
  rtc: { cmos_index: CMOS_INDEX_WRITE, nmi_disable: CMOS_INDEX_WRITE },
  uart: {
    dll: 'a divisor latch write (DLAB=1)',
    dlm: 'a divisor latch write (DLAB=1)',
    lcr: 'an LCR write',
    fcr: 'an FCR write',
  },
  ioapic: { ioredtbl_lo: 'a redirection entry write (IOWIN)', ioredtbl_hi: 'a redirection entry write (IOWIN)', ioregsel: 'an IOREGSEL write' },
};

/** "ICW4", "a divisor latch write (DLAB=1)", or null. */
export function settingWriteName(device: string, field: string): string | null {
  return BY_DEVICE[device]?.[field] ?? null;
}
