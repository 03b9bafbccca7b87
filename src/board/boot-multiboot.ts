/**
 * Multiboot (version 0.6.96, "Multiboot Specification"): a kernel with a multiboot header in
 * its first 8192 bytes (magic 0x1BADB002, flags, checksum; 4-byte aligned), loaded from its
 * ELF program headers (PT_LOAD at p_paddr) or, with flag 16, from the header's address
 * fields (the a.out kludge). Entered in flat 32-bit protected mode (boot-entry.ts), interrupts
 * off, EAX = 0x2BADB002, EBX = the multiboot information structure at INFO_ADDRESS: flags,
 * mem_lower / mem_upper (KiB), cmdline (at CMDLINE_ADDRESS), the memory map (the e820 map of
 * boot-linux.ts) and the boot loader's name.
 *
 * Requirement flags this loader cannot meet (video mode, bit 2; any of bits 3–15) are refused.
 */
import { InputError } from '../errors.js';
import { enterFlatProtectedMode, LOW_RAM_END } from './boot-entry.js';
import { CMDLINE_ADDRESS, e820Map } from './boot-linux.js';
import { bootFile, type BootSpec } from './boot-spec.js';
import { elfSegments, type Segment } from './elf.js';
import type { Machine } from './machine.js';

export const MULTIBOOT_MAGIC = 0x1badb002;
export const MULTIBOOT_BOOTLOADER_MAGIC = 0x2badb002;
export const INFO_ADDRESS = 0x10000;
const MMAP_ADDRESS = INFO_ADDRESS + 0x100;
const NAME_ADDRESS = INFO_ADDRESS + 0x200;
const SEARCH = 8192;
const FLAG_AOUT_KLUDGE = 1 << 16;
/** Requirements we meet: page-aligned modules (there are none), memory information. */
const MET_REQUIREMENTS = 0x3;


/** Where the header is and what it asks for, or an InputError line. */
export function findMultibootHeader(image: Uint8Array, what: string): { offset: number; flags: number } {
  const buf = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  for (let off = 0; off + 12 <= Math.min(buf.length, SEARCH); off += 4) {
    if (buf.readUInt32LE(off) !== MULTIBOOT_MAGIC) continue;
    const flags = buf.readUInt32LE(off + 4);
    if (((MULTIBOOT_MAGIC + flags + buf.readUInt32LE(off + 8)) & 0xffffffff) >>> 0 !== 0) continue;
    const unmet = flags & 0xffff & ~MET_REQUIREMENTS;
    if (unmet !== 0) throw new InputError('MULTIBOOT_UNSUPPORTED', `multiboot kernel ${what} requires flags 0x${unmet.toString(16)} (video mode or newer features), which this loader does not provide`);
    return { offset: off, flags };
  }
  throw new InputError('NOT_MULTIBOOT', `${what} is not a multiboot kernel: no multiboot header (magic 0x1BADB002 with a valid checksum) in its first 8192 bytes`);
}

function aoutSegments(buf: Buffer, header: number, what: string): { segments: Segment[]; entry: number } {
  const [headerAddr, loadAddr, loadEndAddr, bssEndAddr, entry] = [12, 16, 20, 24, 28].map((o) => buf.readUInt32LE(header + o));
  const offset = header - (headerAddr - loadAddr);
  const length = loadEndAddr === 0 ? buf.length - offset : loadEndAddr - loadAddr;
  if (offset < 0 || length < 0 || offset + length > buf.length) throw new InputError('NOT_MULTIBOOT', `multiboot kernel ${what}: its address fields point outside the file`);
  const end = loadAddr + length;
  return { segments: [{ address: loadAddr, bytes: new Uint8Array(buf.buffer, buf.byteOffset + offset, length), zero: bssEndAddr > end ? bssEndAddr - end : 0 }], entry };
}

export function bootMultiboot(machine: Machine, spec: BootSpec): void {
  const kernel = bootFile(spec, 'kernel');
  if (kernel === undefined) throw new InputError('NO_KERNEL', 'a multiboot boot needs a kernel (--multiboot)');
  const buf = Buffer.from(kernel.bytes.buffer, kernel.bytes.byteOffset, kernel.bytes.byteLength);
  const { offset, flags } = findMultibootHeader(kernel.bytes, kernel.name);
  const { segments, entry } = flags & FLAG_AOUT_KLUDGE ? aoutSegments(buf, offset, kernel.name) : elfSegments(buf, `multiboot kernel ${kernel.name}`, 'NOT_MULTIBOOT', 'not an ELF file and no address fields in its header (flag 16)');
  const ramEnd = machine.memory.size;
  for (const s of segments) {
    const end = s.address + s.bytes.length + s.zero;
    if (s.address < 0x100000 || end > ramEnd) {
      throw new InputError('KERNEL_TOO_LARGE', `multiboot kernel ${kernel.name} loads 0x${s.address.toString(16)}–0x${end.toString(16)}, outside the RAM from 1 MiB to 0x${ramEnd.toString(16)}: give the machine more --memory`);
    }
  }
  const cmdline = Buffer.from(`${spec.cmdline}\0`, 'latin1');
  if (CMDLINE_ADDRESS + cmdline.length > LOW_RAM_END) throw new InputError('CMDLINE_TOO_LONG', `kernel command line of ${cmdline.length - 1} bytes does not fit below 0x${LOW_RAM_END.toString(16)}`);

  const map = e820Map(ramEnd);
  const mmap = Buffer.alloc(24 * map.length);
  map.forEach((e, i) => {
    mmap.writeUInt32LE(20, 24 * i); // size of the entry, not counting this field
    mmap.writeBigUInt64LE(BigInt(e.base), 24 * i + 4);
    mmap.writeBigUInt64LE(BigInt(e.length), 24 * i + 12);
    mmap.writeUInt32LE(e.type, 24 * i + 20);
  });
  const info = Buffer.alloc(0x60);
  info.writeUInt32LE((1 << 0) | (1 << 2) | (1 << 6) | (1 << 9), 0); // mem_*, cmdline, mmap, boot_loader_name
  info.writeUInt32LE(LOW_RAM_END >>> 10, 4); // mem_lower, KiB from 0
  info.writeUInt32LE((ramEnd - 0x100000) >>> 10, 8); // mem_upper, KiB from 1 MiB
  info.writeUInt32LE(CMDLINE_ADDRESS, 16);
  info.writeUInt32LE(mmap.length, 44);
  info.writeUInt32LE(MMAP_ADDRESS, 48);
  info.writeUInt32LE(NAME_ADDRESS, 64);

  machine.beginBoot('multiboot');
  for (const s of segments) {
    machine.loadBytes(s.address, s.bytes);
    // bss: RAM is zero on a fresh machine; nothing to write, nothing non-zero to remember.
  }
  machine.loadBytes(INFO_ADDRESS, info);
  machine.loadBytes(MMAP_ADDRESS, mmap);
  machine.loadBytes(NAME_ADDRESS, Buffer.from('migtrace\0', 'latin1'));
  machine.loadBytes(CMDLINE_ADDRESS, cmdline);
  enterFlatProtectedMode(machine, { eip: entry, eax: MULTIBOOT_BOOTLOADER_MAGIC, ebx: INFO_ADDRESS });
}
