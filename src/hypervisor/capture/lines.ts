/**
 * Interrupt line levels are not registers anywhere — they are wires (schema role `line`). The
 * controllers latch them (8259A `last_irr`, the edge-sense latch; IOAPIC `pin_level`; LAPIC
 * `lint0_level`), so a capture infers them from the captured state of the devices that drive
 * them, as the board wires them (src/machine/board.ts, interrupts.ts):
 *   IRQ0 8254 OUT0 · IRQ4 16550 INTR gated by OUT2 (off in loopback) · IRQ8 RTC IRQF ·
 *   IRQ11 RTL8169 INTA# (IntrStatus & IntrMask, unless INTx disabled) · IRQ14 ATA INTRQ (nIEN) ·
 *   master IR2 = the slave's INT · IOAPIC pin = ISA IRQ (IRQ0 on pin 2) · LINT0 = master INT.
 */
import type { CapturedDevice } from '../api.js';
import { CapturedView } from '../captured.js';

function highestPriority(mask: number, priorityAdd: number): number {
  if (mask === 0) return 8;
  let p = 0;
  while ((mask & (1 << ((p + priorityAdd) & 7))) === 0) p++;
  return p;
}

/** 8259A INT output from its registers (datasheet: priority resolver, special mask, SFNM). */
export function picIntOutput(t: CapturedView, isMaster: boolean): boolean {
  const pa = t.num('priority_add');
  const irr = t.num('irr');
  const imr = t.num('imr');
  const isr = t.num('isr');
  const priority = highestPriority(irr & ~imr & 0xff, pa);
  if (priority === 8) return false;
  const inService = t.num('special_mask') ? isr & ~imr : isr;
  const current = highestPriority(inService, pa);
  if (priority < current) return true;
  const irq = (priority + pa) & 7;
  const cascades = isMaster && !t.num('single_mode') && (t.num('icw3') & (1 << irq)) !== 0;
  return t.num('special_fully_nested_mode') === 1 && isMaster && priority === current && cascades;
}

export function isaLines(devices: Map<string, CapturedDevice>): number {
  const v = (name: string) => {
    const d = devices.get(name);
    return d === undefined ? null : new CapturedView(d);
  };
  let lines = 0;
  const pit = v('pit');
  if (pit?.num('irq_level')) lines |= 1 << 0;
  const uart = v('uart');
  if (uart && (uart.num('iir') & 1) === 0 && (uart.num('mcr') & 0x18) === 0x08) lines |= 1 << 4;
  const rtc = v('rtc');
  if (rtc && rtc.at('cmos', 0x0c) & 0x80) lines |= 1 << 8;
  const nic = v('rtl8169');
  if (nic && nic.num('intr_status') & nic.num('intr_mask') && !(nic.num('pci_command') & 0x400)) lines |= 1 << 11;
  const ata = v('ata0');
  if (ata?.num('irq_pending') && !(ata.num('devctl') & 0x02)) lines |= 1 << 14;
  return lines;
}

/** Fill in last_irr, pin_level and lint0_level from the other captured devices. */
export function inferLines(devices: CapturedDevice[]): void {
  const byName = new Map(devices.map((d) => [d.device, d]));
  const lines = isaLines(byName);
  const slave = byName.get('pic.slave');
  const master = byName.get('pic.master');
  let slaveInt = false;
  if (slave && 'last_irr' in slave.fields) {
    slave.fields.last_irr = (lines >> 8) & 0xff;
    slaveInt = picIntOutput(new CapturedView(slave), false);
  }
  if (master && 'last_irr' in master.fields) master.fields.last_irr = (lines & 0xfb) | (slaveInt ? 4 : 0);
  const ioapic = byName.get('ioapic');
  if (ioapic) {
    let pins = 0;
    for (let irq = 0; irq < 16; irq++) if (lines & (1 << irq)) pins |= 1 << (irq === 0 ? 2 : irq);
    ioapic.fields.pin_level = pins;
  }
  const lapic = byName.get('lapic');
  if (lapic && master) lapic.fields.lint0_level = picIntOutput(new CapturedView(master), true) ? 1 : 0;
}
