/**
 * The Linux x86 32-bit boot protocol (Documentation/x86/boot.rst, "32-bit Boot Protocol", and
 * zero-page.rst, in Linux 6.1): what a boot loader does for a bzImage without running its
 * real-mode setup code.
 *
 * 1. Parse the setup header at 0x1F1: "HdrS" at 0x202, protocol version ≥ 2.06 (cmdline_size
 *    exists from 2.06), LOADED_HIGH set (a bzImage, not a zImage), setup_sects (0 means 4).
 * 2. Load the protected-mode kernel — the file from (setup_sects + 1) × 512 on — at 1 MiB
 *    (KERNEL_ADDRESS; a relocatable kernel moves itself to its kernel_alignment).
 * 3. Build the zero page (struct boot_params) at ZERO_PAGE_ADDRESS: the setup header copied to
 *    0x1F1 up to its end (0x202 + the byte at 0x201), type_of_loader 0xFF, cmd_line_ptr
 *    (CMDLINE_ADDRESS), ramdisk_image/size (the initrd page-aligned as high as it can go:
 *    below initrd_addr_max and the end of RAM, above the kernel's init_size), the e820 map
 *    (RAM 0–0x9F000, reserved 0x9F000–1 MiB, RAM 1 MiB–end), alt_mem_k, and screen_info
 *    for an 80×25 colour text screen.
 * 4. Enter 32-bit protected mode at code32_start: flat CS 0x10, DS = ES = SS 0x18 in a GDT in
 *    reserved memory (boot-entry.ts), interrupts off, ESI = the zero page, EBP = EDI = EBX = 0.
 *
 * A vmlinux (the uncompressed ELF) is accepted too: its PT_LOAD segments go to their physical
 * addresses and it is entered at its (physical) ELF entry, startup_32, with a zero page
 * whose setup header the loader writes itself (VMLINUX_HEADER: protocol 2.15, LOADED_HIGH,
 * initrd_addr_max 0x37FFFFFF, cmdline_size 2047), since a vmlinux carries none.
 *
 * Bad input is one InputError line (exit 2): not a bzImage, a protocol too old, a kernel or an
 * initrd that does not fit in RAM, a command line longer than cmdline_size.
 */
import { InputError } from '../errors.js';
import { enterFlatProtectedMode, LOW_RAM_END } from './boot-entry.js';
import { bootFile, type BootSpec } from './boot-spec.js';
import type { Machine } from './machine.js';
import { elfSegments, isElf, type Segment } from './elf.js';

export const KERNEL_ADDRESS = 0x100000;
export const ZERO_PAGE_ADDRESS = 0x10000;
export const CMDLINE_ADDRESS = 0x20000;
/** The oldest boot protocol spoken: 2.06 (cmdline_size). */
export const MIN_PROTOCOL = 0x206;

const LOADED_HIGH = 0x01;
const E820_RAM = 1;
const E820_RESERVED = 2;

/** The setup header fields the loader reads (boot.rst, "The real-mode kernel header"). */
export interface LinuxSetupHeader {
  readonly setupSects: number;
  readonly syssize: number;
  readonly version: number;
  readonly loadflags: number;
  readonly code32Start: number;
  readonly initrdAddrMax: number;
  readonly kernelAlignment: number;
  readonly relocatable: boolean;
  readonly cmdlineSize: number;
  /** 2.10+: bytes the kernel needs from its load address while it decompresses (0: not stated). */
  readonly initSize: number;
  /** Offset of the protected-mode kernel in the file. */
  readonly kernelOffset: number;
  /** End of the setup header in the file: 0x202 + the byte at 0x201. */
  readonly headerEnd: number;
}

function protocol(v: number): string {
  return `${v >> 8}.${(v & 0xff).toString().padStart(2, '0')}`;
}

/** Parse and check a bzImage's setup header; `what` names the file in messages. */
export function parseSetupHeader(image: Uint8Array, what: string): LinuxSetupHeader {
  const buf = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  if (buf.length < 0x270) throw new InputError('NOT_A_BZIMAGE', `${what} is not a bzImage: ${buf.length} bytes, shorter than a setup header`);
  if (buf.toString('latin1', 0x202, 0x206) !== 'HdrS') throw new InputError('NOT_A_BZIMAGE', `${what} is not a bzImage: no "HdrS" setup header magic at 0x202`);
  const version = buf.readUInt16LE(0x206);
  if (version < MIN_PROTOCOL) {
    throw new InputError('LINUX_PROTOCOL_TOO_OLD', `${what} speaks boot protocol ${protocol(version)}; the loader needs ${protocol(MIN_PROTOCOL)} or later (Linux 2.6.22+)`);
  }
  const loadflags = buf[0x211];
  if ((loadflags & LOADED_HIGH) === 0) throw new InputError('NOT_A_BZIMAGE', `${what} is a zImage (LOADED_HIGH clear: loaded at 0x10000), not a bzImage`);
  const setupSects = buf[0x1f1] === 0 ? 4 : buf[0x1f1];
  const kernelOffset = (setupSects + 1) * 512;
  const syssize = buf.readUInt32LE(0x1f4);
  // syssize counts 16-byte paragraphs, rounded up: a file may end up to 15 bytes short of it.
  if (kernelOffset >= buf.length || kernelOffset + syssize * 16 > buf.length + 15) {
    throw new InputError('NOT_A_BZIMAGE', `${what} is truncated: its setup header promises ${kernelOffset + syssize * 16} bytes, the file has ${buf.length}`);
  }
  return {
    setupSects,
    syssize,
    version,
    loadflags,
    code32Start: buf.readUInt32LE(0x214),
    initrdAddrMax: buf.readUInt32LE(0x22c),
    kernelAlignment: buf.readUInt32LE(0x230),
    relocatable: buf[0x234] !== 0,
    cmdlineSize: buf.readUInt32LE(0x238),
    initSize: version >= 0x20a ? buf.readUInt32LE(0x260) : 0,
    kernelOffset,
    headerEnd: Math.min(0x202 + buf[0x201], 0x1000),
  };
}

/** The setup header a vmlinux is given (it carries none): what a 6.1 bzImage would say, for the fields a kernel reads. */
const VMLINUX_HEADER = { version: 0x020f, loadflags: LOADED_HIGH, initrdAddrMax: 0x37ffffff, cmdlineSize: 2047 };

/** A Linux kernel file, checked: a bzImage's setup header, or a vmlinux's loadable segments. */
export type LinuxKernel =
  | { readonly kind: 'bzImage'; readonly header: LinuxSetupHeader }
  | { readonly kind: 'vmlinux'; readonly segments: Segment[]; readonly entry: number };

export function parseLinuxKernel(image: Uint8Array, what: string): LinuxKernel {
  if (!isElf(image)) return { kind: 'bzImage', header: parseSetupHeader(image, what) };
  const { segments, entry } = elfSegments(Buffer.from(image.buffer, image.byteOffset, image.byteLength), `vmlinux ${what}`, 'NOT_A_BZIMAGE');
  return { kind: 'vmlinux', segments, entry };
}

/** Where the initrd goes: page-aligned, as high as initrd_addr_max and RAM allow, above `floor`. */
export function placeInitrd(size: number, initrdAddrMax: number, ramEnd: number, floor: number, what: string): number {
  const top = Math.min(initrdAddrMax + 1, ramEnd);
  const start = Math.floor((top - size) / 4096) * 4096;
  if (start < floor) {
    throw new InputError(
      'INITRD_TOO_LARGE',
      `initrd ${what} of ${size} bytes does not fit between the kernel's end 0x${floor.toString(16)} and 0x${top.toString(16)} ` +
        `(the lower of initrd_addr_max + 1 and the end of RAM): give the machine more --memory or a smaller initrd`,
    );
  }
  return start;
}

/** The e820 map of a machine with `ramEnd` bytes of RAM: what the zero page and Multiboot's mmap say. */
export function e820Map(ramEnd: number): { base: number; length: number; type: number }[] {
  return [
    { base: 0, length: LOW_RAM_END, type: E820_RAM },
    { base: LOW_RAM_END, length: KERNEL_ADDRESS - LOW_RAM_END, type: E820_RESERVED },
    { base: KERNEL_ADDRESS, length: ramEnd - KERNEL_ADDRESS, type: E820_RAM },
  ];
}

/** Load a `linux` boot spec into a fresh machine and leave its CPU at the kernel's 32-bit entry. */
export function bootLinux(machine: Machine, spec: BootSpec): void {
  const kernel = bootFile(spec, 'kernel');
  if (kernel === undefined) throw new InputError('NO_KERNEL', 'a linux boot needs a kernel (--kernel)');
  const what = kernel.name;
  const parsed = parseLinuxKernel(kernel.bytes, what);
  const ramEnd = machine.memory.size;
  // What goes where: a bzImage's protected-mode part at 1 MiB, a vmlinux's segments where they say.
  const segments: Segment[] =
    parsed.kind === 'bzImage' ? [{ address: KERNEL_ADDRESS, bytes: kernel.bytes.subarray(parsed.header.kernelOffset), zero: 0 }] : parsed.segments;
  const loadStart = Math.min(...segments.map((s) => s.address));
  const loadEnd = Math.max(...segments.map((s) => s.address + s.bytes.length + s.zero));
  const kernelEnd = parsed.kind === 'bzImage' ? Math.max(loadEnd, KERNEL_ADDRESS + parsed.header.initSize) : loadEnd;
  if (loadStart < KERNEL_ADDRESS) throw new InputError('NOT_A_BZIMAGE', `vmlinux ${what} loads at 0x${loadStart.toString(16)}, below 1 MiB`);
  if (kernelEnd > ramEnd) {
    throw new InputError('KERNEL_TOO_LARGE', `kernel ${what} needs RAM up to 0x${kernelEnd.toString(16)} (its init_size or segments), more than the ${ramEnd} bytes of RAM hold: give the machine more --memory`);
  }
  const limits = parsed.kind === 'bzImage' ? parsed.header : VMLINUX_HEADER;
  const cmdline = Buffer.from(spec.cmdline, 'latin1');
  if (cmdline.length > limits.cmdlineSize) {
    throw new InputError('CMDLINE_TOO_LONG', `kernel command line of ${cmdline.length} bytes is longer than ${what}'s cmdline_size (${limits.cmdlineSize})`);
  }
  if (CMDLINE_ADDRESS + cmdline.length + 1 > LOW_RAM_END) throw new InputError('CMDLINE_TOO_LONG', `kernel command line of ${cmdline.length} bytes does not fit below 0x${LOW_RAM_END.toString(16)}`);
  const initrd = bootFile(spec, 'initrd');
  const initrdAt = initrd === undefined ? 0 : placeInitrd(initrd.bytes.length, limits.initrdAddrMax, ramEnd, kernelEnd, initrd.name);

  const zp = Buffer.alloc(4096);
  let entry: number;
  if (parsed.kind === 'bzImage') {
    zp.set(kernel.bytes.subarray(0x1f1, parsed.header.headerEnd), 0x1f1); // first: the fields below override it
    entry = parsed.header.code32Start === 0 ? KERNEL_ADDRESS : parsed.header.code32Start;
  } else {
    zp.writeUInt16LE(0xaa55, 0x1fe);
    zp.write('HdrS', 0x202, 'latin1');
    zp.writeUInt16LE(VMLINUX_HEADER.version, 0x206);
    zp[0x211] = VMLINUX_HEADER.loadflags;
    zp.writeUInt32LE(parsed.entry, 0x214); // code32_start
    zp.writeUInt32LE(VMLINUX_HEADER.initrdAddrMax, 0x22c);
    zp.writeUInt32LE(VMLINUX_HEADER.cmdlineSize, 0x238);
    entry = parsed.entry;
  }
  // screen_info: an 80×25 colour text screen, the cursor at 0,0.
  zp.writeUInt16LE(Math.min(0xffff, (ramEnd - KERNEL_ADDRESS) >>> 10), 0x02); // ext_mem_k
  zp[0x06] = 3; // orig_video_mode
  zp[0x07] = 80; // orig_video_cols
  zp[0x0e] = 25; // orig_video_lines
  zp[0x0f] = 1; // orig_video_isVGA
  zp.writeUInt16LE(16, 0x10); // orig_video_points
  zp.writeUInt32LE((ramEnd - KERNEL_ADDRESS) >>> 10, 0x1e0); // alt_mem_k
  const map = e820Map(ramEnd);
  zp[0x1e8] = map.length;
  map.forEach((e, i) => {
    const at = 0x2d0 + 20 * i;
    zp.writeBigUInt64LE(BigInt(e.base), at);
    zp.writeBigUInt64LE(BigInt(e.length), at + 8);
    zp.writeUInt32LE(e.type, at + 16);
  });
  zp[0x210] = 0xff; // type_of_loader: undefined loader
  zp.writeUInt32LE(initrdAt, 0x218); // ramdisk_image
  zp.writeUInt32LE(initrd?.bytes.length ?? 0, 0x21c); // ramdisk_size
  zp.writeUInt32LE(CMDLINE_ADDRESS, 0x228); // cmd_line_ptr

  machine.beginBoot('linux');
  machine.loadBytes(ZERO_PAGE_ADDRESS, zp);
  machine.loadBytes(CMDLINE_ADDRESS, Buffer.concat([cmdline, Buffer.from([0])]));
  for (const s of segments) machine.loadBytes(s.address, s.bytes); // bss: RAM is zero on a fresh machine
  if (initrd !== undefined) machine.loadBytes(initrdAt, initrd.bytes);
  enterFlatProtectedMode(machine, { eip: entry, esi: ZERO_PAGE_ADDRESS });
}
