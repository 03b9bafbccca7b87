/**
 * The shared disk as the hypervisor sees it. Storage is shared between source and destination
 * (BLMVisor 4.3: an iSCSI target both machines reach), so the hypervisor reads sectors from it
 * directly — to know what a drive's sector buffer holds — and never writes it. The geometry is
 * what ATA-6 defines for a drive of that capacity at power-on.
 */
import type { Machine } from '../board/machine.js';
import { SECTOR_SIZE, type DiskBacking } from '../devices/disk-backing.js';
import { defaultGeometry, logicalCylinders } from '../devices/ata-identify.js';
import type { AtaGeometry } from './drivers/ata-disk/shadow.js';

/** The shared disk as the hypervisor reaches it (storage is shared: BLMVisor 4.3). */
export interface SharedStorage {
  geometry: AtaGeometry;
  readSector(lba: number): Uint8Array;
}

export function sharedStorage(machine: Machine): SharedStorage {
  return storageOf(machine.board.disk.backing);
}

/**
 * The slave's disk (device 1 on the primary channel), shared like the master's; null when the
 * machine has none. Which disks are attached is the hypervisor's configuration, as the
 * storage target is: not device state.
 */
export function slaveStorage(machine: Machine): SharedStorage | null {
  const slave = machine.board.slave;
  return slave === null ? null : storageOf(slave.backing);
}

function storageOf(backing: DiskBacking): SharedStorage {
  const g = defaultGeometry(backing.sectors);
  return {
    geometry: {
      heads: g.heads,
      sectors: g.sectors,
      total: backing.sectors,
      cylinders: (heads, sectors) => logicalCylinders(backing.sectors, heads, sectors),
    },
    readSector(lba: number): Uint8Array {
      const buf = new Uint8Array(SECTOR_SIZE);
      if (lba >= 0 && lba < backing.sectors) backing.readSector(lba, buf);
      return buf;
    },
  };
}
