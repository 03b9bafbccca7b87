/**
 * The tables a PC's firmware leaves in memory for the OS (BIOS data area, MP table), written
 * at every boot before the loader runs (Machine.beginBoot). A placeholder: the devices branch
 * fills it. Write with `load` (Machine.loadBytes), so the pages count as loaded at boot.
 */
import type { PhysicalMemory } from '../machine/memory.js';
import type { BootMode } from './boot-spec.js';

export function writeFirmwareTables(memory: PhysicalMemory, load: (address: number, bytes: Uint8Array) => void, mode: BootMode): void {
  void memory;
  void load;
  void mode;
}
