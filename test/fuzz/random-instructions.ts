/**
 * Random x86 instructions for the fuzzers (random-code.ts, poll-code.ts): one instruction, or a
 * short sequence that must stay together, at a time, for 32-bit code or 16-bit code (real mode).
 * Every one can run anywhere in a body without faulting or leaving it: memory operands stay in
 * the data area (EBX + 0..120; in 16-bit code anywhere in DS or SS), EBX and ESP (BX, BH, BL,
 * SP) are never written, divisions cannot overflow, forward jumps stay inside the sequence.
 */
import { int, type Rnd } from './mutate.js';

const EAX = 0;
const EBX = 3;

export const le32 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
export const le16 = (v: number): number[] => [v & 0xff, (v >>> 8) & 0xff];

/** A random instruction generator's view of the case's PRNG. */
export class Gen {
  /**
   * `data`: the data area's address in 32-bit code (EBX holds it; absolute operands and string
   * moves reach it); `mode16`: code for a 16-bit code segment (real mode), 16-bit operands and
   * addressing by default, whose data is DS's 64 KiB.
   */
  constructor(
    private readonly rnd: Rnd,
    private readonly data: number,
    readonly mode16 = false,
  ) {}

  int(n: number): number {
    return int(this.rnd, n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  chance(p: number): boolean {
    return this.rnd() < p;
  }

  u32(): number {
    // Edge values often: flags and shifts live at the edges.
    if (this.chance(0.3)) return this.pick([0, 1, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffffe]);
    return (this.int(0x10000) | (this.int(0x10000) << 16)) >>> 0;
  }

  /** A register the body may write (not EBX, the data pointer, nor ESP). */
  dest(): number {
    return this.pick([0, 1, 2, 5, 6, 7]);
  }

  /** An 8-bit register the body may write: AL CL DL AH CH DH (not BL, BH). */
  dest8(): number {
    return this.pick([0, 1, 2, 4, 5, 6]);
  }

  /**
   * ModR/M (and SIB, displacement) for an r/m operand: a register (`reg` picks it) or memory at
   * EBX + 0..120 — in 16-bit code, DS:BX + 0..120 or anywhere in DS's or SS's 64 KiB (SI, DI, BP).
   */
  rm(regField: number, reg: () => number, memory = true): number[] {
    if (!memory || this.chance(0.5)) return [0xc0 | (regField << 3) | reg()];
    const disp = this.int(121);
    if (this.mode16) {
      // Every form: [bx+si] [bx+di] [bp+si] [bp+di] [si] [di] [bp] [bx] + d8, [bx+d16], [d16]; BP's segment is SS.
      const r = regField << 3;
      return this.chance(0.2) ? this.pick([[0x87 | r, ...le16(disp)], [0x06 | r, ...le16(disp)]]) : [0x40 | r | this.int(8), disp];
    }
    switch (this.int(4)) {
      case 0: // [ebx + disp8]
        return [0x40 | (regField << 3) | EBX, disp];
      case 1: // [ebx + disp32]
        return [0x80 | (regField << 3) | EBX, ...le32(disp)];
      case 2: // SIB: [ebx + disp8], no index, any scale
        return [0x44 | (regField << 3), (this.int(4) << 6) | (4 << 3) | EBX, disp];
      default: // [disp32]
        return [0x05 | (regField << 3), ...le32(this.data + disp)];
    }
  }

  /** An operand-size prefix (to 16 bits, or in 16-bit code to 32) or none, and the operand's immediate bytes for that size. */
  sized(): { prefix: number[]; imm: () => number[] } {
    if (this.mode16) return this.chance(0.3) ? { prefix: [0x66], imm: () => le32(this.u32()) } : { prefix: [], imm: () => le16(this.u32()) };
    if (this.chance(0.3)) return { prefix: [0x66], imm: () => le16(this.u32()) };
    return { prefix: [], imm: () => le32(this.u32()) };
  }

  /** One instruction (or a short sequence that must stay together). */
  instruction(): number[] {
    const s = this.sized();
    const op = this.int(8);
    const any = (): number => this.int(8);
    switch (this.int(31)) {
      case 0: // ALU Eb,Gb / Ev,Gv
        return this.chance(0.3) ? [op * 8, ...this.rm(any(), () => this.dest8())] : [...s.prefix, op * 8 + 1, ...this.rm(any(), () => this.dest())];
      case 1: // ALU Gb,Eb / Gv,Ev
        return this.chance(0.3) ? [op * 8 + 2, ...this.rm(this.dest8(), any)] : [...s.prefix, op * 8 + 3, ...this.rm(this.dest(), any)];
      case 2: // ALU AL,Ib / eAX,Iz
        return this.chance(0.3) ? [op * 8 + 4, this.int(256)] : [...s.prefix, op * 8 + 5, ...s.imm()];
      case 3: // group 1: 80 /op ib, 81 /op iz, 83 /op ib
        switch (this.int(3)) {
          case 0: return [0x80, ...this.rm(op, () => this.dest8()), this.int(256)];
          case 1: return [...s.prefix, 0x81, ...this.rm(op, () => this.dest()), ...s.imm()];
          default: return [...s.prefix, 0x83, ...this.rm(op, () => this.dest()), this.int(256)];
        }
      case 4: // TEST
        switch (this.int(4)) {
          case 0: return [0x84, ...this.rm(any(), any)];
          case 1: return [...s.prefix, 0x85, ...this.rm(any(), any)];
          case 2: return [0xf6, ...this.rm(0, any), this.int(256)];
          default: return [...s.prefix, 0xf7, ...this.rm(0, any), ...s.imm()];
        }
      case 5: // NOT, NEG
        return this.chance(0.3) ? [0xf6, ...this.rm(2 + this.int(2), () => this.dest8())] : [...s.prefix, 0xf7, ...this.rm(2 + this.int(2), () => this.dest())];
      case 6: // MUL, IMUL (one operand): EDX:EAX, DX:AX or AX
        return this.chance(0.3) ? [0xf6, ...this.rm(4 + this.int(2), any)] : [...s.prefix, 0xf7, ...this.rm(4 + this.int(2), any)];
      case 7: // IMUL Gv,Ev / Gv,Ev,Ib / Gv,Ev,Iz
        switch (this.int(3)) {
          case 0: return [...s.prefix, 0x0f, 0xaf, ...this.rm(this.dest(), any)];
          case 1: return [...s.prefix, 0x6b, ...this.rm(this.dest(), any), this.int(256)];
          default: return [...s.prefix, 0x69, ...this.rm(this.dest(), any), ...s.imm()];
        }
      case 8: { // shifts and rotates: by 1, by an immediate (0..40), by CL
        const by = this.int(3);
        const byte = this.chance(0.25);
        const opc = [byte ? 0xd0 : 0xd1, byte ? 0xc0 : 0xc1, byte ? 0xd2 : 0xd3][by];
        const rm = byte ? this.rm(op, () => this.dest8()) : this.rm(op, () => this.dest());
        const count = by === 1 ? [this.chance(0.5) ? this.int(41) : this.pick([0, 1, 8, 16, 31, 32, 33])] : [];
        return [...(byte ? [] : s.prefix), opc, ...rm, ...count];
      }
      case 9: // INC, DEC: short forms and FE/FF
        if (this.chance(0.4) && s.prefix.length === 0) return [0x40 + this.int(2) * 8 + this.dest()];
        return this.chance(0.3) ? [0xfe, ...this.rm(this.int(2), () => this.dest8())] : [...s.prefix, 0xff, ...this.rm(this.int(2), () => this.dest())];
      case 10: { // SHLD, SHRD by an immediate or CL
        const cl = this.chance(0.5);
        const opc = (this.chance(0.5) ? 0xa4 : 0xac) + (cl ? 1 : 0);
        return [...s.prefix, 0x0f, opc, ...this.rm(any(), () => this.dest()), ...(cl ? [] : [this.int(40)])];
      }
      case 11: // BSF, BSR (a zero source included)
        return [...s.prefix, 0x0f, this.chance(0.5) ? 0xbc : 0xbd, ...this.rm(this.dest(), any)];
      case 12: // BT, BTS, BTR, BTC: by a register (register operand) or an immediate (any operand)
        if (this.chance(0.5)) return [...s.prefix, 0x0f, this.pick([0xa3, 0xab, 0xb3, 0xbb]), 0xc0 | (any() << 3) | this.dest()];
        return [...s.prefix, 0x0f, 0xba, ...this.rm(4 + this.int(4), () => this.dest()), this.int(64)];
      case 13: // SETcc
        return [0x0f, 0x90 + this.int(16), ...this.rm(0, () => this.dest8())];
      case 14: // MOVZX, MOVSX
        return [...s.prefix, 0x0f, this.pick([0xb6, 0xb7, 0xbe, 0xbf]), ...this.rm(this.dest(), any)];
      case 15: // MOV in every form
        switch (this.int(6)) {
          case 0: return [0x88, ...this.rm(any(), () => this.dest8())];
          case 1: return [...s.prefix, 0x89, ...this.rm(any(), () => this.dest())];
          case 2: return [0x8a, ...this.rm(this.dest8(), any)];
          case 3: return [...s.prefix, 0x8b, ...this.rm(this.dest(), any)];
          case 4: return [0xb0 + this.dest8(), this.int(256)];
          default: return [...s.prefix, 0xc7, ...this.rm(0, () => this.dest()), ...s.imm()];
        }
      case 16: { // LEA: any base and index (no memory access)
        if (this.mode16) return [...s.prefix, 0x8d, 0x80 | (this.dest() << 3) | this.int(8), ...le16(this.u32())];
        const base = this.int(8);
        const index = this.pick([0, 1, 2, 3, 5, 6, 7]);
        return [...s.prefix, 0x8d, 0x84 | (this.dest() << 3), (this.int(4) << 6) | (index << 3) | base, ...le32(this.u32())];
      }
      case 17: // XCHG
        if (this.chance(0.3) && s.prefix.length === 0) return [0x90 + this.dest()];
        return this.chance(0.3) ? [0x86, ...this.rm(this.dest8(), () => this.dest8())] : [...s.prefix, 0x87, ...this.rm(this.dest(), () => this.dest())];
      case 18: // CBW/CWDE, CWD/CDQ
        return [...s.prefix, this.chance(0.5) ? 0x98 : 0x99];
      case 19: // CLC, STC, CMC, LAHF, SAHF
        return [this.pick([0xf8, 0xf9, 0xf5, 0x9f, 0x9e])];
      case 20: // PUSH / POP pairs, PUSHF then POP, PUSH imm then POP
        switch (this.int(3)) {
          case 0: return [0x50 + any(), 0x58 + this.dest()];
          case 1: return [0x9c, 0x58 + this.dest()];
          default: return this.chance(0.5) ? [0x6a, this.int(256), 0x58 + this.dest()] : [0x68, ...(this.mode16 ? le16 : le32)(this.u32()), 0x58 + this.dest()];
        }
      case 21: { // a forward Jcc over the next instruction
        const over = this.instruction();
        if (over.length > 127) return over;
        return [0x70 + this.int(16), over.length, ...over];
      }
      case 22: // BSWAP
        return [0x0f, 0xc8 + this.dest()];
      case 23: // XADD, CMPXCHG
        if (this.chance(0.5)) return this.chance(0.3) ? [0x0f, 0xc0, ...this.rm(this.dest8(), () => this.dest8())] : [...s.prefix, 0x0f, 0xc1, ...this.rm(this.dest(), () => this.dest())];
        return this.chance(0.3) ? [0x0f, 0xb0, ...this.rm(this.dest8(), () => this.dest8())] : [...s.prefix, 0x0f, 0xb1, ...this.rm(this.dest(), () => this.dest())];
      case 24: // BCD adjusts (AAM and AAD with a base that is never 0)
        return this.pick([[0x27], [0x2f], [0x37], [0x3f], [0xd4, 1 + this.int(255)], [0xd5, this.int(256)]]);
      case 25: { // DIV, IDIV that cannot fault: a small dividend's high part and a divisor that fits
        const divisor = 1 + this.int(0x7ffe);
        const imm = this.mode16 ? le16 : le32; // 16-bit code: DX:AX by CX
        if (this.chance(0.5)) return [0x31, 0xd2, 0xb9, ...imm(divisor), 0xf7, 0xf1]; // xor edx, edx; mov ecx, d; div ecx
        return [0x99, 0xb9, ...imm(divisor), 0xf7, 0xf9]; // cdq; mov ecx, d; idiv ecx
      }
      case 26: { // REP MOVSB/MOVSD/STOSB/STOSD inside the data area (ESI, EDI, ECX set first), then ESI and EDI put back out of harm's way
        const count = this.int(9);
        const opc = this.pick([0xa4, 0xa5, 0xaa, 0xab]);
        if (this.mode16) return [0xfc, 0xbe, ...le16(this.int(64)), 0xbf, ...le16(64 + this.int(16)), 0xb9, ...le16(count), 0xf3, opc]; // DS and ES are the data
        return [0xfc, 0xbe, ...le32(this.data + this.int(64)), 0xbf, ...le32(this.data + 64 + this.int(16)), 0xb9, ...le32(count), 0xf3, opc];
      }
      case 27: // MOV r, imm (fresh values)
        return [...s.prefix, 0xb8 + this.dest(), ...s.imm()];
      case 29: // port I/O: the device reads back its count's low bits; a write brings the timer's interrupt a few instructions on
        return this.pick([[0xe4, 0x61], [0xe5, 0x61], [0xe6, 0x60], [0xe7, 0x60], [0x66, 0xe5, 0x61]]);
      case 28: // ADC/SBB chains after a flag set: carries through
        return [this.pick([0xf8, 0xf9]), ...s.prefix, this.pick([0x11, 0x19]), ...this.rm(any(), () => this.dest())];
      default: // MOV to memory then ALU from it (store-to-load)
        return [0x89, ...this.rm(any(), () => EAX), ...s.prefix, op * 8 + 3, ...this.rm(this.dest(), any)];
    }
  }
}
