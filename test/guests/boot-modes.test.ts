/**
 * The boot modes, without a real kernel or BIOS: hand-made files (boot-images.ts) entered
 * exactly as their protocols say — registers, segments, the zero page and its e820 map, the
 * command line, the initrd's place; the ROM at the reset vector, read-only, aliased below
 * 4 GiB; Multiboot's EAX/EBX and info — and run to their exit. Then each mode through a trace:
 * recorded, replayed, refused when the boot differs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootSpec, machineForBoot } from '../../src/board/boot.js';
import { BOOT_GDT_ADDRESS } from '../../src/board/boot-entry.js';
import { CMDLINE_ADDRESS, KERNEL_ADDRESS, ZERO_PAGE_ADDRESS } from '../../src/board/boot-linux.js';
import { INFO_ADDRESS } from '../../src/board/boot-multiboot.js';
import { bootConfigOf, bootDifference, decodeBootImage, encodeBootImage, type BootSpec } from '../../src/board/boot-spec.js';
import { InputError } from '../../src/errors.js';
import { PAGE_ROM } from '../../src/machine/memory.js';
import { TraceReader } from '../../src/trace/reader.js';
import { replayTrace } from '../../src/trace/replay.js';
import { recordBoot } from '../../src/trace/session.js';
import { fakeBzImage, fakeMultibootElf, fakeRom, LINUX_PAYLOAD, MULTIBOOT_LOAD } from './boot-images.js';

const MiB = 1024 * 1024;
const CMDLINE = 'console=ttyS0,115200 root=/dev/ram0 quiet';

function linux(kernel: Uint8Array, cmdline = CMDLINE, initrd?: Uint8Array): BootSpec {
  return {
    mode: 'linux',
    files: [{ role: 'kernel', name: 'bzImage', bytes: kernel }, ...(initrd === undefined ? [] : [{ role: 'initrd', name: 'initrd', bytes: initrd }])],
    cmdline,
  };
}

function initrdOf(size: number): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 7 + 3) & 0xff;
  return b;
}

function refusal(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'migtrace-boot-'));
  dirs.push(d);
  return d;
}

describe('linux: the 32-bit boot protocol', () => {
  it('enters the kernel at code32_start in flat 32-bit protected mode with ESI at the zero page', () => {
    const m = bootSpec(linux(fakeBzImage()), { memory: 32 * MiB });
    const s = m.cpu.getState();
    expect(s.eip).toBe(KERNEL_ADDRESS);
    expect(s.cr0 & 1).toBe(1); // PE
    expect(s.cr0 >>> 31).toBe(0); // paging off
    expect(s.eflags & 0x200).toBe(0); // interrupts off
    expect({ esi: s.esi, ebp: s.ebp, edi: s.edi, ebx: s.ebx }).toEqual({ esi: ZERO_PAGE_ADDRESS, ebp: 0, edi: 0, ebx: 0 });
    expect(s.cs).toEqual({ selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0xc09b });
    for (const r of [s.ds, s.es, s.ss]) expect(r).toEqual({ selector: 0x18, base: 0, limit: 0xffffffff, attributes: 0xc093 });
    // The GDT is in memory, in the reserved hole, with the flat descriptors the selectors name.
    expect(s.gdtr.base).toBe(BOOT_GDT_ADDRESS);
    expect(s.gdtr.base).toBeGreaterThanOrEqual(0x9f000);
    expect(s.gdtr.base + s.gdtr.limit).toBeLessThan(0x100000);
    const gdt = m.memory.readBytes(s.gdtr.base, 32);
    expect([...gdt.subarray(0x10, 0x18)]).toEqual([0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0]);
    expect([...gdt.subarray(0x18, 0x20)]).toEqual([0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0]);
    // The protected-mode kernel is at 1 MiB.
    expect([...m.memory.readBytes(KERNEL_ADDRESS, LINUX_PAYLOAD.length)]).toEqual([...LINUX_PAYLOAD]);
  });

  it('builds the zero page: the setup header, type_of_loader, cmd_line_ptr, e820, screen_info', () => {
    const kernel = fakeBzImage();
    const m = bootSpec(linux(kernel), { memory: 32 * MiB });
    const zp = Buffer.from(m.memory.readBytes(ZERO_PAGE_ADDRESS, 4096));
    expect(zp.toString('latin1', 0x202, 0x206)).toBe('HdrS');
    expect(zp.readUInt16LE(0x206)).toBe(0x020f);
    expect(zp[0x210]).toBe(0xff); // type_of_loader
    expect(zp.readUInt32LE(0x214)).toBe(0x100000); // code32_start, as the kernel said
    expect(zp.readUInt32LE(0x228)).toBe(CMDLINE_ADDRESS);
    expect(Buffer.from(m.memory.readBytes(CMDLINE_ADDRESS, CMDLINE.length + 1)).toString('latin1')).toBe(`${CMDLINE}\0`);
    expect(zp.readUInt32LE(0x218)).toBe(0); // no initrd
    expect(zp.readUInt32LE(0x21c)).toBe(0);
    expect(zp.readUInt32LE(0x1e0)).toBe(31 * 1024); // alt_mem_k: KiB above 1 MiB
    // e820: RAM 0–0x9F000, reserved 0x9F000–1 MiB, RAM 1 MiB–end.
    expect(zp[0x1e8]).toBe(3);
    const e820 = [0, 1, 2].map((i) => ({
      base: Number(zp.readBigUInt64LE(0x2d0 + 20 * i)),
      length: Number(zp.readBigUInt64LE(0x2d0 + 20 * i + 8)),
      type: zp.readUInt32LE(0x2d0 + 20 * i + 16),
    }));
    expect(e820).toEqual([
      { base: 0, length: 0x9f000, type: 1 },
      { base: 0x9f000, length: 0x61000, type: 2 },
      { base: 0x100000, length: 31 * MiB, type: 1 },
    ]);
    expect(zp[0x2d0 + 20 * 3 + 16]).toBe(0); // no fourth entry
    // screen_info: 80×25 colour text.
    expect({ mode: zp[6], cols: zp[7], lines: zp[0x0e], vga: zp[0x0f] }).toEqual({ mode: 3, cols: 80, lines: 25, vga: 1 });
  });

  it('places the initrd page-aligned at the top of RAM, or below initrd_addr_max when that is lower', () => {
    const initrd = initrdOf(300_000);
    const m = bootSpec(linux(fakeBzImage(), CMDLINE, initrd), { memory: 32 * MiB });
    const zp = Buffer.from(m.memory.readBytes(ZERO_PAGE_ADDRESS, 4096));
    const at = zp.readUInt32LE(0x218);
    expect(zp.readUInt32LE(0x21c)).toBe(initrd.length);
    expect(at % 4096).toBe(0);
    expect(at + initrd.length).toBeLessThanOrEqual(32 * MiB);
    expect(at + initrd.length + 4096).toBeGreaterThan(32 * MiB); // as high as it goes
    expect(Buffer.from(m.memory.readBytes(at, initrd.length)).equals(Buffer.from(initrd))).toBe(true);

    const low = bootSpec(linux(fakeBzImage({ initrdAddrMax: 8 * MiB - 1 }), CMDLINE, initrd), { memory: 32 * MiB });
    const lowAt = Buffer.from(low.memory.readBytes(ZERO_PAGE_ADDRESS, 4096)).readUInt32LE(0x218);
    expect(lowAt + initrd.length).toBeLessThanOrEqual(8 * MiB);
    expect(lowAt + initrd.length + 4096).toBeGreaterThan(8 * MiB);
  });

  it('runs the payload: it finds the command line through ESI and the e820 count in the zero page', () => {
    const m = bootSpec(linux(fakeBzImage()), { memory: 32 * MiB });
    const r = m.run({ maxInstructions: 5_000_000 });
    expect(r.status, r.message).toBe('exited');
    expect(r.exitStatus).toBe(1);
    expect(r.serial).toBe(CMDLINE);
    expect(m.lastPostCode).toBe(3);
  });

  it('a vmlinux ELF: its segments at their physical addresses, entered at e_entry with a setup header the loader wrote', () => {
    const vmlinux = fakeMultibootElf(LINUX_PAYLOAD); // an ELF whose code is the Linux payload (the multiboot header in it is ignored)
    const m = bootSpec(linux(vmlinux, CMDLINE, initrdOf(4096)), { memory: 32 * MiB });
    const s = m.cpu.getState();
    expect(s.eip).toBe(MULTIBOOT_LOAD + 0x54 + 12);
    expect(s.esi).toBe(ZERO_PAGE_ADDRESS);
    const zp = Buffer.from(m.memory.readBytes(ZERO_PAGE_ADDRESS, 4096));
    expect(zp.toString('latin1', 0x202, 0x206)).toBe('HdrS');
    expect({ version: zp.readUInt16LE(0x206), loader: zp[0x210], loadflags: zp[0x211], code32: zp.readUInt32LE(0x214) }).toEqual({ version: 0x020f, loader: 0xff, loadflags: 1, code32: s.eip });
    expect(zp.readUInt32LE(0x218) + 4096).toBeLessThanOrEqual(32 * MiB);
    const r = m.run({ maxInstructions: 5_000_000 });
    expect(r.status, r.message).toBe('exited');
    expect(r.serial).toBe(CMDLINE);
  });

  it('refuses, in one line each: not a bzImage, a protocol older than 2.06, a zImage, a command line too long, an initrd or a kernel that does not fit', () => {
    const cases: [() => unknown, string, RegExp][] = [
      [() => bootSpec(linux(fakeBzImage({ magic: 'Nope' }))), 'NOT_A_BZIMAGE', /bzImage is not a bzImage: no "HdrS" setup header magic at 0x202/],
      [() => bootSpec(linux(new Uint8Array(100))), 'NOT_A_BZIMAGE', /shorter than a setup header/],
      [() => bootSpec(linux(fakeBzImage({ version: 0x0205 }))), 'LINUX_PROTOCOL_TOO_OLD', /boot protocol 2\.05; the loader needs 2\.06 or later/],
      [() => bootSpec(linux(fakeBzImage({ loadflags: 0 }))), 'NOT_A_BZIMAGE', /zImage/],
      [() => bootSpec(linux(fakeBzImage({ cmdlineSize: 16 }))), 'CMDLINE_TOO_LONG', /longer than bzImage's cmdline_size \(16\)/],
      [() => bootSpec(linux(fakeBzImage(), CMDLINE, initrdOf(3 * MiB)), { memory: 4 * MiB }), 'INITRD_TOO_LARGE', /initrd initrd of 3145728 bytes does not fit/],
      [() => bootSpec(linux(fakeBzImage({ initSize: 8 * MiB })), { memory: 4 * MiB }), 'KERNEL_TOO_LARGE', /more --memory/],
    ];
    for (const [fn, code, message] of cases) {
      const e = refusal(fn);
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
      expect(e.message).not.toContain('\n');
    }
  });
});

describe('rom: a ROM at the reset vector', () => {
  for (const size of [0x10000, 0x20000]) {
    it(`${size / 1024} KiB: at the top of the first MiB and below 4 GiB, read-only, the CPU from its reset state`, () => {
      const rom = fakeRom(size);
      const m = bootSpec({ mode: 'rom', files: [{ role: 'rom', name: 'rom', bytes: rom }], cmdline: '' }, { memory: 4 * MiB });
      const s = m.cpu.getState();
      expect({ cs: s.cs.selector, base: s.cs.base, eip: s.eip, cr0: s.cr0 & 1 }).toEqual({ cs: 0xf000, base: 0xffff0000, eip: 0xfff0, cr0: 0 });
      const low = 0x100000 - size;
      const high = 0x100000000 - size;
      for (const at of [0, 1, size - 16, size - 1]) {
        expect(m.memory.read8(low + at)).toBe(rom[at]);
        expect(m.memory.read8(high + at)).toBe(rom[at]);
      }
      expect(m.memory.read32(high + size - 16) >>> 0).toBe(Buffer.from(rom).readUInt32LE(size - 16));
      expect(m.memory.pageKind[low >>> 12]).toBe(PAGE_ROM);
      expect(m.memory.pageKind[(high >>> 12) + size / 4096 - 1]).toBe(PAGE_ROM);
      expect(m.memory.pageKind[(low >>> 12) - 1]).not.toBe(PAGE_ROM); // RAM below stays RAM
      // Writes are ignored, through either address.
      m.memory.write8(low, 0x11);
      m.memory.write32(high + 4, 0x12345678);
      expect(m.memory.read8(low)).toBe(rom[0]);
      expect(m.memory.read32(high + 4) >>> 0).toBe(Buffer.from(rom).readUInt32LE(4));
      // The code: a far jump from the alias, an ignored store, ROM byte 0 to POST, exit.
      const r = m.run({ maxInstructions: 1000 });
      expect(r.status, r.message).toBe('exited');
      expect(m.lastPostCode).toBe(0xa5);
    });
  }

  it('refuses a ROM of another size in one line', () => {
    for (const size of [0, 512, 0x8000, 0x10001, 0x40000]) {
      const e = refusal(() => bootSpec({ mode: 'rom', files: [{ role: 'rom', name: 'my.rom', bytes: new Uint8Array(size) }], cmdline: '' }));
      expect(e.code).toBe('BAD_ROM_SIZE');
      expect(e.message).toBe(`ROM my.rom is ${size} bytes; a ROM at the reset vector is 65536 or 131072 bytes (64 or 128 KiB)`);
    }
  });

  it('a migration destination starts with the same ROM mapped', () => {
    const image = encodeBootImage({ mode: 'rom', files: [{ role: 'rom', name: 'rom', bytes: fakeRom() }], cmdline: '' });
    const m = machineForBoot(image, { memory: 2 * MiB });
    expect(m.memory.read8(0xffff0000)).toBe(0xa5);
    expect(m.memory.pageKind[0xf0]).toBe(PAGE_ROM);
  });
});

describe('multiboot', () => {
  const spec = (kernel: Uint8Array, cmdline = 'multiboot-cmdline x=1'): BootSpec => ({ mode: 'multiboot', files: [{ role: 'kernel', name: 'kernel.elf', bytes: kernel }], cmdline });

  it('enters the ELF entry with EAX = 0x2BADB002, EBX = the info: memory, cmdline, mmap', () => {
    const m = bootSpec(spec(fakeMultibootElf()), { memory: 16 * MiB });
    const s = m.cpu.getState();
    expect(s.eax).toBe(0x2badb002);
    expect(s.ebx).toBe(INFO_ADDRESS);
    expect(s.eip).toBe(MULTIBOOT_LOAD + 0x54 + 12);
    expect(s.cr0 & 1).toBe(1);
    expect(s.eflags & 0x200).toBe(0);
    expect(s.cs.limit).toBe(0xffffffff);
    const info = Buffer.from(m.memory.readBytes(INFO_ADDRESS, 0x60));
    const flags = info.readUInt32LE(0);
    expect(flags & 0x45).toBe(0x45); // mem, cmdline, mmap
    expect(info.readUInt32LE(4)).toBe(636); // mem_lower, KiB
    expect(info.readUInt32LE(8)).toBe(15 * 1024); // mem_upper, KiB above 1 MiB
    const mmap = Buffer.from(m.memory.readBytes(info.readUInt32LE(48), info.readUInt32LE(44)));
    expect(mmap.length).toBe(72);
    expect([0, 1, 2].map((i) => [mmap.readUInt32LE(24 * i), Number(mmap.readBigUInt64LE(24 * i + 4)), Number(mmap.readBigUInt64LE(24 * i + 12)), mmap.readUInt32LE(24 * i + 20)])).toEqual([
      [20, 0, 0x9f000, 1],
      [20, 0x9f000, 0x61000, 2],
      [20, 0x100000, 15 * MiB, 1],
    ]);
    const r = m.run({ maxInstructions: 5_000_000 });
    expect(r.status, r.message).toBe('exited');
    expect(r.serial).toBe('multiboot-cmdline x=1');
    expect(m.lastPostCode).toBe(flags & 0xff);
  });

  it('refuses a kernel without a multiboot header, or one asking for a video mode', () => {
    expect(refusal(() => bootSpec(spec(new Uint8Array(4096)))).code).toBe('NOT_MULTIBOOT');
    expect(refusal(() => bootSpec(spec(fakeMultibootElf(undefined, 0x7)))).code).toBe('MULTIBOOT_UNSUPPORTED');
  });
});

describe('boot identity: a boot bundle and the trace header', () => {
  it('a bundle round-trips and its hash covers mode, files and command line (not file names)', () => {
    const a = linux(fakeBzImage(), 'a', initrdOf(100));
    const image = encodeBootImage(a);
    const back = decodeBootImage(image);
    expect(back.mode).toBe('linux');
    expect(back.cmdline).toBe('a');
    expect(back.files.map((f) => [f.role, f.bytes.length])).toEqual([['kernel', fakeBzImage().length], ['initrd', 100]]);
    const renamed = encodeBootImage({ ...a, files: a.files.map((f) => ({ ...f, name: 'elsewhere' })) });
    expect(Buffer.from(renamed).equals(Buffer.from(image))).toBe(true);
    const other = bootConfigOf(linux(fakeBzImage(), 'b', initrdOf(100)));
    expect(bootDifference(bootConfigOf(a), 'x', other, 'y')).toBe('cmdline "a" vs "b"');
    expect(bootDifference(bootConfigOf(a), 'x', bootConfigOf(linux(fakeBzImage({ initSize: 0x30000 }), 'a', initrdOf(100))), 'y')).toMatch(/^kernel [0-9a-f]{12}… vs [0-9a-f]{12}…$/);
    expect(bootDifference(null, 'x', other, 'y')).toBe('boot mode disk vs linux');
  });

  for (const mode of ['linux', 'rom', 'multiboot'] as const) {
    it(`a ${mode} boot records its mode, file hashes and command line in the header (format 2.1) and replays`, async () => {
      const s: BootSpec =
        mode === 'linux'
          ? linux(fakeBzImage(), CMDLINE, initrdOf(5000))
          : mode === 'rom'
            ? { mode: 'rom', files: [{ role: 'rom', name: 'rom', bytes: fakeRom() }], cmdline: '' }
            : { mode: 'multiboot', files: [{ role: 'kernel', name: 'k', bytes: fakeMultibootElf() }], cmdline: 'mb' };
      const dir = join(tempDir(), 'trace');
      const summary = await recordBoot(dir, { label: `fake-${mode}`, image: encodeBootImage(s), memory: 16 * MiB });
      expect(summary.status).toBe('exited');
      const reader = await TraceReader.open(dir);
      try {
        expect(reader.header.formatVersion).toEqual({ major: 2, minor: 1 });
        const boot = reader.header.run!.boot!;
        expect(boot.mode).toBe(mode);
        expect(boot.cmdline).toBe(s.cmdline);
        expect(boot.files.map((f) => [f.role, f.length, f.sha256])).toEqual(bootConfigOf(s)!.files.map((f) => [f.role, f.length, f.sha256]));
      } finally {
        await reader.close();
      }
      const replay = await replayTrace(dir);
      expect(replay.mismatch, replay.mismatch?.message).toBeNull();
      expect(replay.checkpointsChecked).toBeGreaterThan(0);
    });
  }
});
