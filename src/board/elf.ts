/**
 * The loadable segments of a 32-bit i386 ELF executable (PT_LOAD at p_paddr, with p_memsz −
 * p_filesz bytes of bss after each): what Multiboot kernels and a Linux vmlinux are.
 */
import { InputError } from '../errors.js';

export interface Segment {
  readonly address: number;
  readonly bytes: Uint8Array;
  /** Zeroed bytes after `bytes` (bss). */
  readonly zero: number;
}

export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 52 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

export function elfSegments(buf: Buffer, what: string, code: string, notElf = 'not an ELF file'): { segments: Segment[]; entry: number } {
  const bad = (why: string) => new InputError(code, `${what}: ${why}`);
  if (!isElf(buf)) throw bad(notElf);
  if (buf[4] !== 1 || buf[5] !== 1 || buf.readUInt16LE(18) !== 3) throw bad('not a 32-bit little-endian i386 ELF');
  const entry = buf.readUInt32LE(24);
  const phoff = buf.readUInt32LE(28);
  const phentsize = buf.readUInt16LE(42);
  const phnum = buf.readUInt16LE(44);
  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 32 > buf.length) throw bad('program headers run past the end of the file');
    if (buf.readUInt32LE(ph) !== 1) continue; // PT_LOAD
    const offset = buf.readUInt32LE(ph + 4);
    const paddr = buf.readUInt32LE(ph + 12);
    const filesz = buf.readUInt32LE(ph + 16);
    const memsz = buf.readUInt32LE(ph + 20);
    if (offset + filesz > buf.length) throw bad(`segment ${i} runs past the end of the file`);
    segments.push({ address: paddr, bytes: new Uint8Array(buf.buffer, buf.byteOffset + offset, filesz), zero: Math.max(0, memsz - filesz) });
  }
  if (segments.length === 0) throw bad('no loadable segment');
  return { segments, entry };
}

