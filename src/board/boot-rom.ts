/**
 * A ROM image at the reset vector, as a PC's BIOS ROM is decoded: the image occupies the top
 * of the first megabyte (0xF0000 for 64 KiB, 0xE0000 for 128 KiB) and is aliased at the top of
 * the 4 GiB space (0xFFFF0000 / 0xFFFE0000), where the CPU's first fetch lands (reset state:
 * F000:FFF0 with CS base 0xFFFF0000, src/machine/cpu/cpu.ts).
 *
 * Both ranges are PAGE_ROM (src/machine/memory.ts): reads come from the low copy, which lives
 * in RAM pages the guest cannot write — CPU writes to either range are ignored, as a PC's ROM
 * ignores them. RAM accesses elsewhere stay on the fast path; ROM reads and code fetches
 * take the memory's slow path (code runs from a fetch window on the low copy). DMA and
 * migration write the bytes underneath, so the low copy migrates as the RAM it is, and a
 * destination maps the same ROM (mapRom) before any page arrives.
 */
import { InputError } from '../errors.js';
import { PAGE_SIZE, ROM_ALIAS_DELTA } from '../machine/memory.js';
import { bootFile, type BootSpec } from './boot-spec.js';
import type { Machine } from './machine.js';

export const ROM_SIZES: readonly number[] = [0x10000, 0x20000];
const ONE_MIB = 0x100000;

/** Refuse a ROM of a size a reset vector cannot take, in one line. */
export function checkRomSize(rom: Uint8Array, what: string): void {
  if (!ROM_SIZES.includes(rom.length)) {
    throw new InputError('BAD_ROM_SIZE', `ROM ${what} is ${rom.length} bytes; a ROM at the reset vector is 65536 or 131072 bytes (64 or 128 KiB)`);
  }
}

/** Where a ROM of `size` bytes sits below 1 MiB. */
export function romBase(size: number): number {
  return ONE_MIB - size;
}

/** Put the ROM's bytes at the top of the first MiB and make both ranges read-only. */
export function mapRom(machine: Machine, rom: Uint8Array, what: string): void {
  checkRomSize(rom, what);
  const low = romBase(rom.length);
  machine.loadBytes(low, rom);
  const pages = rom.length / PAGE_SIZE;
  machine.memory.mapRomPages(low / PAGE_SIZE, pages);
  machine.memory.mapRomPages((low + ROM_ALIAS_DELTA) / PAGE_SIZE, pages);
}

/** The ROM file of a `rom` boot spec. */
export function romOf(spec: BootSpec): { bytes: Uint8Array; name: string } {
  const rom = bootFile(spec, 'rom');
  if (rom === undefined) throw new InputError('NO_ROM', 'a rom boot needs a ROM image (--rom)');
  return rom;
}

/** Map the ROM and leave the CPU in its reset state: its first fetch is the ROM's reset vector. */
export function bootRom(machine: Machine, spec: BootSpec): void {
  const rom = romOf(spec);
  machine.beginBoot('rom');
  mapRom(machine, rom.bytes, rom.name);
  machine.cpu.reset();
}
