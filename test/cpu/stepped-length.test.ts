/**
 * steppedLength (src/machine/cpu/jit/length.ts): how long an instruction the compiler steps
 * is, so a block goes on after it; 0 where it should not (transfers of control, HLT) or cannot
 * know (bytes outside the fetch window).
 */
import { describe, expect, it } from 'vitest';
import { steppedLength } from '../../src/machine/cpu/jit/length.js';

function lengthOf(bytes: number[], csD = true, windowLength = 0x1000): number {
  const ram = new Uint8Array(0x1000);
  ram.set(bytes, 0x100);
  return steppedLength({ ram, lo: 0, len: windowLength, delta: 0, csD }, 0x100);
}

describe('steppedLength', () => {
  it('32-bit code: prefixes, ModR/M with SIB and displacements, immediates by operand and address size', () => {
    const cases: [string, number[], number][] = [
      ['in al, dx', [0xec], 1],
      ['in al, 0x60', [0xe4, 0x60], 2],
      ['in ax, dx', [0x66, 0xed], 2],
      ['rdtsc', [0x0f, 0x31], 2],
      ['cpuid', [0x0f, 0xa2], 2],
      ['rep movsd', [0xf3, 0xa5], 2],
      ['mov ds, ax', [0x8e, 0xd8], 2],
      ['lgdt [0x11223344]', [0x0f, 0x01, 0x15, 0x44, 0x33, 0x22, 0x11], 7],
      ['enter 16, 1', [0xc8, 0x10, 0x00, 0x01], 4],
      ['mov eax, [moffs32]', [0xa1, 0x44, 0x33, 0x22, 0x11], 5],
      ['mov eax, [moffs16] (a16)', [0x67, 0xa1, 0x22, 0x11], 4],
      ['test byte [0x11223344], 0x7f', [0xf6, 0x05, 0x44, 0x33, 0x22, 0x11, 0x7f], 7],
      ['test eax, 0x12345678', [0xf7, 0xc0, 0x78, 0x56, 0x34, 0x12], 6],
      ['neg eax', [0xf7, 0xd8], 2],
      ['lea eax, [esp + 0x100]', [0x8d, 0x84, 0x24, 0x00, 0x01, 0x00, 0x00], 7],
      ['mov eax, [ebp*2 + 0x10] (SIB, no base)', [0x8b, 0x04, 0x6d, 0x10, 0x00, 0x00, 0x00], 7],
      ['bt dword [eax], 3', [0x0f, 0xba, 0x20, 0x03], 4],
      ['shld eax, ebx, 4', [0x0f, 0xa4, 0xd8, 0x04], 4],
      ['fld dword [ebx + 8]', [0xd9, 0x43, 0x08], 3],
      ['lock xadd [ecx], eax', [0xf0, 0x0f, 0xc1, 0x01], 4],
    ];
    for (const [name, bytes, length] of cases) expect(lengthOf(bytes), name).toBe(length);
  });

  it('16-bit code: 16-bit ModR/M forms, and 0x66 for a 32-bit immediate', () => {
    expect(lengthOf([0x8b, 0x46, 0x02], false)).toBe(3); // mov ax, [bp + 2]
    expect(lengthOf([0x8b, 0x36, 0x34, 0x12], false)).toBe(4); // mov si, [0x1234]
    expect(lengthOf([0x66, 0xb8, 0x78, 0x56, 0x34, 0x12], false)).toBe(6); // mov eax, imm32
    expect(lengthOf([0xc7, 0x06, 0x34, 0x12, 0xcd, 0xab], false)).toBe(6); // mov word [0x1234], 0xabcd
  });

  it('0 after transfers of control and HLT, and for bytes outside the window', () => {
    for (const bytes of [[0xc3], [0xcd, 0x80], [0xf4], [0xff, 0x15, 0, 0, 0, 0], [0xff, 0xe0], [0x0f, 0x85, 0, 0, 0, 0], [0xe2, 0xfe], [0xcf], [0xea, 0, 0, 0, 0, 8, 0], [0x0f, 0x0b]]) {
      expect(lengthOf(bytes), bytes.map((b) => b.toString(16)).join(' ')).toBe(0);
    }
    expect(lengthOf([0x0f, 0x01, 0x15, 0x44, 0x33, 0x22, 0x11], true, 0x104)).toBe(0); // lgdt's displacement past the window's end
  });
});
