/**
 * Tiny hand-made boot files for the boot-mode tests: a fake bzImage (a setup header and a
 * 32-bit payload), a Multiboot ELF, a ROM. The payloads prove the machine really runs what
 * the protocol promises: they print the kernel command line on COM1 (found through ESI's zero
 * page, or EBX's multiboot info), write a byte to the POST port and exit through
 * isa-debug-exit with 0 (status 1).
 */

/** UART at 0x3F8 to 115200 8N1 (DLAB, divisor 1), then print the NUL-terminated string at EBX, then wait for TEMT. */
const PRINT_AT_EBX = [
  0x66, 0xba, 0xfb, 0x03, 0xb0, 0x80, 0xee, // mov dx, 0x3fb; mov al, 0x80; out dx, al   (DLAB)
  0x66, 0xba, 0xf8, 0x03, 0xb0, 0x01, 0xee, // mov dx, 0x3f8; mov al, 1; out dx, al      (divisor 1)
  0x66, 0xba, 0xfb, 0x03, 0xb0, 0x03, 0xee, // mov dx, 0x3fb; mov al, 3; out dx, al      (8N1)
  // loop:
  0x8a, 0x0b, // mov cl, [ebx]
  0x84, 0xc9, // test cl, cl
  0x74, 0x13, // jz done
  0x66, 0xba, 0xfd, 0x03, // mov dx, 0x3fd
  0xec, 0xa8, 0x20, 0x74, 0xfb, // poll: in al, dx; test al, 0x20; jz poll
  0x66, 0xba, 0xf8, 0x03, // mov dx, 0x3f8
  0x88, 0xc8, 0xee, // mov al, cl; out dx, al
  0x43, // inc ebx
  0xeb, 0xe7, // jmp loop
  // done:
  0x66, 0xba, 0xfd, 0x03, 0xec, 0xa8, 0x40, 0x74, 0xfb, // mov dx, 0x3fd; wait: in al, dx; test al, 0x40; jz wait
];

/** POST ← AL; isa-debug-exit ← 0; hlt. */
const POST_AL_AND_EXIT = [0xe6, 0x80, 0xb0, 0x00, 0xe6, 0xf4, 0xf4];

/** The Linux payload: print the command line at [ESI + 0x228] (cmd_line_ptr), POST ← e820_entries, exit 0. */
export const LINUX_PAYLOAD = Uint8Array.from([
  0x8b, 0x9e, 0x28, 0x02, 0x00, 0x00, // mov ebx, [esi + 0x228]
  ...PRINT_AT_EBX,
  0x8a, 0x86, 0xe8, 0x01, 0x00, 0x00, // mov al, [esi + 0x1e8]
  ...POST_AL_AND_EXIT,
]);

export interface FakeBzImageOptions {
  version?: number;
  loadflags?: number;
  cmdlineSize?: number;
  initrdAddrMax?: number;
  initSize?: number;
  code32Start?: number;
  payload?: Uint8Array;
  /** Override the magic at 0x202. */
  magic?: string;
}

/** A bzImage: one setup sector after the boot sector, the setup header, the payload at 0x400. */
export function fakeBzImage(o: FakeBzImageOptions = {}): Uint8Array {
  const payload = o.payload ?? LINUX_PAYLOAD;
  const setupSects = 1;
  const kernelOffset = (setupSects + 1) * 512;
  const buf = Buffer.alloc(kernelOffset + Math.ceil(payload.length / 16) * 16); // padded to paragraphs, as the kernel's build does
  buf[0x1f1] = setupSects;
  buf.writeUInt32LE(Math.ceil(payload.length / 16), 0x1f4); // syssize
  buf.writeUInt16LE(0xaa55, 0x1fe);
  buf[0x200] = 0xeb; // jmp short over the header: its end is 0x202 + 0x66
  buf[0x201] = 0x66;
  buf.write(o.magic ?? 'HdrS', 0x202, 'latin1');
  buf.writeUInt16LE(o.version ?? 0x020f, 0x206);
  buf[0x211] = o.loadflags ?? 0x01; // LOADED_HIGH
  buf.writeUInt32LE(o.code32Start ?? 0x100000, 0x214);
  buf.writeUInt32LE(o.initrdAddrMax ?? 0x7fffffff, 0x22c);
  buf.writeUInt32LE(0x200000, 0x230); // kernel_alignment
  buf[0x234] = 1; // relocatable_kernel
  buf.writeUInt32LE(o.cmdlineSize ?? 2047, 0x238);
  buf.writeUInt32LE(o.initSize ?? 0x20000, 0x260);
  buf.set(payload, kernelOffset);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** The Multiboot payload: print the command line at [EBX + 16], POST ← the info's flags' low byte, exit 0. */
export const MULTIBOOT_PAYLOAD = Uint8Array.from([
  0x89, 0xde, // mov esi, ebx (keep the info pointer)
  0x8b, 0x5b, 0x10, // mov ebx, [ebx + 16]
  ...PRINT_AT_EBX,
  0x8a, 0x06, // mov al, [esi]
  ...POST_AL_AND_EXIT,
]);

export const MULTIBOOT_LOAD = 0x100000;

/** A Multiboot ELF: ELF header, one PT_LOAD of the whole file at 1 MiB (with 4 KiB of bss), the multiboot header, the payload. */
export function fakeMultibootElf(payload = MULTIBOOT_PAYLOAD, flags = 0x3): Uint8Array {
  const headerAt = 0x54;
  const codeAt = headerAt + 12;
  const buf = Buffer.alloc(codeAt + payload.length);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 1; // ELFCLASS32
  buf[5] = 1; // little-endian
  buf[6] = 1;
  buf.writeUInt16LE(2, 16); // ET_EXEC
  buf.writeUInt16LE(3, 18); // EM_386
  buf.writeUInt32LE(1, 20);
  buf.writeUInt32LE(MULTIBOOT_LOAD + codeAt, 24); // e_entry
  buf.writeUInt32LE(0x34, 28); // e_phoff
  buf.writeUInt16LE(52, 40); // e_ehsize
  buf.writeUInt16LE(32, 42); // e_phentsize
  buf.writeUInt16LE(1, 44); // e_phnum
  const ph = 0x34;
  buf.writeUInt32LE(1, ph); // PT_LOAD
  buf.writeUInt32LE(0, ph + 4); // p_offset
  buf.writeUInt32LE(MULTIBOOT_LOAD, ph + 8); // p_vaddr
  buf.writeUInt32LE(MULTIBOOT_LOAD, ph + 12); // p_paddr
  buf.writeUInt32LE(buf.length, ph + 16); // p_filesz
  buf.writeUInt32LE(buf.length + 0x1000, ph + 20); // p_memsz
  buf.writeUInt32LE(5, ph + 24); // R X
  buf.writeUInt32LE(0x1badb002, headerAt);
  buf.writeUInt32LE(flags, headerAt + 4);
  buf.writeUInt32LE((-(0x1badb002 + flags)) >>> 0, headerAt + 8);
  buf.set(payload, codeAt);
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * A ROM of `size` bytes whose reset vector (size − 16) jumps to F000:E000, the code at ROM
 * offset size − 0x2000: it tries to overwrite ROM byte 0 (through DS = the ROM's first
 * paragraph), reads it back and writes it to the POST port, then exits with 0.
 */
export function fakeRom(size = 0x10000, first = 0xa5): Uint8Array {
  const rom = new Uint8Array(size).fill(0xff);
  rom[0] = first;
  const segment = (0x100000 - size) >>> 4; // the ROM's first byte is segment:0000
  const codeOffset = size - 0x2000;
  const code = [
    0xb8, segment & 0xff, segment >> 8, // mov ax, segment
    0x8e, 0xd8, // mov ds, ax
    0xc6, 0x06, 0x00, 0x00, 0x55, // mov byte [0], 0x55 (ignored: ROM)
    0xa0, 0x00, 0x00, // mov al, [0]
    ...POST_AL_AND_EXIT,
  ];
  rom.set(code, codeOffset);
  // Reset vector: jmp far F000:E000 (linear 0xFE000: ROM offset size − 0x2000 for either size).
  rom.set([0xea, 0x00, 0xe0, 0x00, 0xf0], size - 16);
  return rom;
}
