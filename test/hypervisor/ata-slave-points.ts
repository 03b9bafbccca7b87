/**
 * Where the disk-slave guest is migrated (test/hypervisor/ata-slave-migration.test.ts through the
 * hypervisor's capture and reconstruction, test/migration/ata-slave-verify.test.ts end to end with
 * the verifier): predicates over the unmigrated machine's oracle, checked after every bus access.
 */
import type { Machine } from '../../src/board/machine.js';

/** The slave's disk: 256 sectors of a byte pattern (the guest only reads it). */
export const slaveBytes = (): Uint8Array => new Uint8Array(256 * 512).map((_, i) => (i * 7 + (i >> 9)) & 0xff);

/** A device's live declared state: the predicates run after every bus access, too often to snapshot it each time. */
const dev = (m: Machine, name: string) => m.devices.find((d) => d.name === name)!.state as Record<string, unknown>;
const num = (m: Machine, name: string, field: string) => dev(m, name)[field] as number;
const slaveSelected = (m: Machine) => (num(m, 'ata0', 'select') & 0x10) !== 0 && (num(m, 'ata0.slave', 'select') & 0x10) !== 0;

export interface SlavePoint {
  name: string;
  at: (m: Machine) => boolean;
  /** Fields the migration may leave different, as docs/hypervisor.md says. */
  residual?: string[];
}

export const SLAVE_POINTS: SlavePoint[] = [
  {
    name: 'the slave selected and idle (after its READ MULTIPLE)',
    at: (m) => slaveSelected(m) && num(m, 'ata0.slave', 'command') === 0xc4 && num(m, 'ata0.slave', 'xfer_phase') === 0 && num(m, 'ata0.slave', 'irq_pending') === 0,
  },
  {
    name: 'in the middle of a PIO read on the slave (third sector, byte 200)',
    at: (m) => slaveSelected(m) && num(m, 'ata0.slave', 'xfer_phase') === 2 && num(m, 'ata0.slave', 'xfer_cmd') === 0x20
      && num(m, 'ata0.slave', 'xfer_remaining') === 2 && num(m, 'ata0.slave', 'buf_pos') === 200,
  },
  {
    name: 'in the middle of a PIO write on the master while the slave has SET MULTIPLE 8',
    at: (m) => num(m, 'ata0', 'xfer_phase') === 3 && num(m, 'ata0', 'xfer_remaining') === 2 && num(m, 'ata0', 'buf_pos') === 300
      && num(m, 'ata0.slave', 'mult_sectors') === 8 && num(m, 'ata0', 'mult_sectors') === 2,
  },
  {
    name: 'with an interrupt pending from the slave (FLUSH CACHE done, interrupts off)',
    at: (m) => slaveSelected(m) && num(m, 'ata0.slave', 'command') === 0xe7 && num(m, 'ata0.slave', 'irq_pending') === 1
      && (num(m, 'pic.slave', 'irr') & 0x40) !== 0,
  },
  {
    name: 'during the slave\'s READ SECTORS command BSY time (the master read once BSY drops)',
    at: (m) => slaveSelected(m) && num(m, 'ata0.slave', 'xfer_phase') === 1 && num(m, 'ata0.slave', 'command') === 0x20,
  },
  {
    name: 'between two DRQ blocks of the slave\'s READ MULTIPLE',
    at: (m) => slaveSelected(m) && num(m, 'ata0.slave', 'xfer_phase') === 4 && num(m, 'ata0.slave', 'xfer_cmd') === 0xc4,
  },
];
