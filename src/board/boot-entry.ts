/**
 * What the 32-bit boot protocols share (Linux's, Multiboot's): a flat GDT the loader leaves in
 * memory, and a CPU entered in 32-bit protected mode with paging off and interrupts off.
 *
 * The GDT sits at BOOT_GDT_ADDRESS, in the reserved hole the e820 map and Multiboot's mmap
 * declare (0x9F000–0x100000, below the EBDA at 0x9FC00): 0x00 null, 0x08 null, 0x10 code
 * (base 0, 4 GiB, execute/read, 32-bit), 0x18 data (base 0, 4 GiB, read/write, 32-bit) —
 * the selectors Linux's boot protocol names (__BOOT_CS, __BOOT_DS).
 */
import type { CpuState, SegmentCache } from '../machine/cpu/cpu.js';
import type { Machine } from './machine.js';

export const BOOT_GDT_ADDRESS = 0x9f000;
export const BOOT_CS = 0x10;
export const BOOT_DS = 0x18;
/** Start of the reserved hole below 1 MiB (EBDA, VGA, ROMs): RAM below it is the guest's. */
export const LOW_RAM_END = 0x9f000;
/** The stack the loaders leave (the protocols do not ask for one; the hole's bottom is tidy and deterministic). */
export const BOOT_STACK_TOP = LOW_RAM_END;

const GDT = Uint8Array.from([
  0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0,
  0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0, // 0x10: code, limit 0xFFFFF × 4 KiB, P DPL0 S type 0xB, G D
  0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0, // 0x18: data, type 0x3 (read/write, accessed)
]);

/** Hidden-cache attributes (VMCS layout: access byte, then G and D/B in bits 15 and 14). */
const CODE_ATTRIBUTES = 0x9b | 0xc000;
const DATA_ATTRIBUTES = 0x93 | 0xc000;

function flat(selector: number, attributes: number): SegmentCache {
  return { selector, base: 0, limit: 0xffffffff, attributes };
}

export interface FlatEntry {
  readonly eip: number;
  readonly eax?: number;
  readonly ebx?: number;
  readonly esi?: number;
}

/**
 * Write the boot GDT and put the CPU at `entry.eip` in flat 32-bit protected mode: CS = 0x10,
 * DS = ES = SS = FS = GS = 0x18, CR0 = PE|ET, EFLAGS = 0x2 (IF clear), the given EAX/EBX/ESI
 * and every other general register 0 but ESP (BOOT_STACK_TOP).
 */
export function enterFlatProtectedMode(machine: Machine, entry: FlatEntry): void {
  machine.loadBytes(BOOT_GDT_ADDRESS, GDT);
  const cpu = machine.cpu;
  cpu.reset();
  const s: CpuState = cpu.getState();
  s.eax = entry.eax ?? 0;
  s.ebx = entry.ebx ?? 0;
  s.ecx = 0;
  s.edx = 0;
  s.esi = entry.esi ?? 0;
  s.edi = 0;
  s.ebp = 0;
  s.esp = BOOT_STACK_TOP;
  s.eip = entry.eip >>> 0;
  s.eflags = 0x2;
  s.cr0 = (s.cr0 | 1) >>> 0; // PE; ET stays as reset left it
  s.gdtr = { base: BOOT_GDT_ADDRESS, limit: GDT.length - 1 };
  s.idtr = { base: 0, limit: 0 };
  s.cs = flat(BOOT_CS, CODE_ATTRIBUTES);
  for (const r of ['ds', 'es', 'ss', 'fs', 'gs'] as const) s[r] = flat(BOOT_DS, DATA_ATTRIBUTES);
  s.cpl = 0;
  cpu.setState(s);
}
