/**
 * Interrupt line levels are not registers anywhere — they are wires (schema role `line`). The
 * 8259A latches its inputs (`last_irr`, the edge-sense latch), so a capture infers them from
 * the levels the other drivers read off their devices' captured state (DeviceDriver.lineLevels)
 * as the board wires them (src/board/layout.ts): the master's IR2 is the slave's INT, the
 * master's INT is LINT0 (the local APIC driver asks picIntOutput for it).
 */
import type { CapturedDevice } from '../../api.js';
import { CapturedView } from '../../captured.js';
import { CASCADE_BIT, MASTER, SLAVE } from './chips.js';

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

/** Fill in both chips' last_irr from the ISA lines (a bit per IRQ), the slave first (its INT is the master's IR2). */
export function inferPicInputs(devices: ReadonlyMap<string, CapturedDevice>, lines: number): void {
  const slave = devices.get(SLAVE.device);
  const master = devices.get(MASTER.device);
  let slaveInt = false;
  if (slave && 'last_irr' in slave.fields) {
    slave.fields.last_irr = (lines >> SLAVE.isa) & 0xff;
    slaveInt = picIntOutput(new CapturedView(slave), false);
  }
  if (master && 'last_irr' in master.fields) master.fields.last_irr = (lines & 0xff & ~CASCADE_BIT) | (slaveInt ? CASCADE_BIT : 0);
}
