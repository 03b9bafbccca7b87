/**
 * The length of any instruction the interpreter may be asked to step inside a block (SDM
 * vol. 2, tables: which opcodes take a ModR/M byte and how many immediate bytes),
 * so a block goes on after it: an I/O poll (`in al, dx; test al, 0x20; jz`) or a TSC delay loop
 * (`rdtsc; sub; cmp; jb`) then runs inside one block instead of leaving it at every turn.
 *
 * Only a hint: a case of a block is compiled from the bytes at its own EIP and reached only
 * when the stepped instruction leaves EIP there, so a wrong length costs a dead case, never a
 * wrong result. 0: unknown, or an instruction after which going on is pointless (a transfer of
 * control, HLT) — the block ends there as before.
 */
import type { CodeWindow } from './decode.js';

const MAX_LENGTH = 15;

// Per one-byte opcode: bit 0 ModR/M; bits 1-3 immediate kind (below); 0xff: end the block.
const M = 1;
const IB = 1 << 1; // 1 byte
const IW = 2 << 1; // 2 bytes
const IZ = 3 << 1; // 2 or 4 by operand size
const IWB = 4 << 1; // ENTER: 3 bytes
const MOFFS = 5 << 1; // 2 or 4 by address size
const PTR = 6 << 1; // far pointer: 4 or 6 by operand size
const GRP3 = 7 << 1; // F6/F7: /0 and /1 carry an immediate
const END = 0xff;
const NONE = 0;

const ONE = new Uint8Array(256);
const TWO = new Uint8Array(256).fill(END);

for (let row = 0; row < 8; row++) {
  const b = row << 3;
  ONE[b] = ONE[b + 1] = ONE[b + 2] = ONE[b + 3] = M;
  ONE[b + 4] = IB;
  ONE[b + 5] = IZ;
}
ONE[0x62] = ONE[0x63] = M;
ONE[0x68] = IZ;
ONE[0x69] = M | IZ;
ONE[0x6a] = IB;
ONE[0x6b] = M | IB;
for (let op = 0x70; op <= 0x7f; op++) ONE[op] = END;
ONE[0x80] = ONE[0x82] = ONE[0x83] = M | IB;
ONE[0x81] = M | IZ;
for (let op = 0x84; op <= 0x8f; op++) ONE[op] = M;
ONE[0x9a] = END;
for (let op = 0xa0; op <= 0xa3; op++) ONE[op] = MOFFS;
ONE[0xa8] = IB;
ONE[0xa9] = IZ;
for (let op = 0xb0; op <= 0xb7; op++) ONE[op] = IB;
for (let op = 0xb8; op <= 0xbf; op++) ONE[op] = IZ;
ONE[0xc0] = ONE[0xc1] = ONE[0xc6] = M | IB;
ONE[0xc7] = M | IZ;
ONE[0xc4] = ONE[0xc5] = M;
ONE[0xc8] = IWB;
for (const op of [0xc2, 0xc3, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf]) ONE[op] = END;
for (let op = 0xd0; op <= 0xd3; op++) ONE[op] = M;
ONE[0xd4] = ONE[0xd5] = IB;
for (let op = 0xd8; op <= 0xdf; op++) ONE[op] = M;
for (let op = 0xe0; op <= 0xe3; op++) ONE[op] = END; // LOOPcc, JCXZ
ONE[0xe4] = ONE[0xe5] = ONE[0xe6] = ONE[0xe7] = IB;
for (const op of [0xe8, 0xe9, 0xea, 0xeb, 0xf4]) ONE[op] = END;
ONE[0xf6] = ONE[0xf7] = M | GRP3;
ONE[0xfe] = M;
ONE[0xff] = M; // /2-/5 transfer control: checked below

for (const op of [0x06, 0x08, 0x09, 0x30, 0x31, 0x32, 0x33, 0xa0, 0xa1, 0xa2, 0xa8, 0xa9]) TWO[op] = NONE;
for (let op = 0xc8; op <= 0xcf; op++) TWO[op] = NONE; // BSWAP
for (const op of [0x00, 0x01, 0x02, 0x03, 0x20, 0x21, 0x22, 0x23, 0x24, 0x26, 0xa3, 0xa5, 0xab, 0xad, 0xaf]) TWO[op] = M;
for (const op of [0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf, 0xc0, 0xc1]) TWO[op] = M;
for (let op = 0x40; op <= 0x4f; op++) TWO[op] = M; // CMOVcc
for (let op = 0x90; op <= 0x9f; op++) TWO[op] = M; // SETcc
TWO[0xa4] = TWO[0xac] = TWO[0xba] = M | IB;

/** The length of the instruction at `eip` in window `w`, or 0 (see the header). */
export function steppedLength(w: CodeWindow, eip: number): number {
  let pos = eip | 0;
  const byte = (): number => {
    const d = (pos - w.lo) | 0;
    if (d < 0 || d >= w.len || ((pos - eip) | 0) >= MAX_LENGTH) return -1;
    const b = w.ram[(pos + w.delta) | 0];
    pos = (pos + 1) | 0;
    return b;
  };
  let o32 = w.csD;
  let a32 = w.csD;
  let op = byte();
  for (;;) {
    if (op < 0) return 0;
    if (op === 0x66) o32 = !w.csD;
    else if (op === 0x67) a32 = !w.csD;
    else if (op !== 0x26 && op !== 0x2e && op !== 0x36 && op !== 0x3e && op !== 0x64 && op !== 0x65 && op !== 0xf0 && op !== 0xf2 && op !== 0xf3) break;
    op = byte();
  }
  let shape: number;
  if (op === 0x0f) {
    const op2 = byte();
    if (op2 < 0) return 0;
    shape = TWO[op2];
  } else shape = ONE[op];
  if (shape === END) return 0;
  let reg = 0;
  if ((shape & M) !== 0) {
    const modrm = byte();
    if (modrm < 0) return 0;
    reg = (modrm >> 3) & 7;
    if (op === 0xff && reg >= 2 && reg <= 5) return 0;
    const mod = modrm >> 6;
    const rm = modrm & 7;
    let disp = 0;
    if (mod !== 3) {
      if (a32) {
        if (rm === 4) {
          const sib = byte();
          if (sib < 0) return 0;
          if (mod === 0 && (sib & 7) === 5) disp = 4;
        }
        if (mod === 0 && rm === 5) disp = 4;
        else if (mod === 1) disp = 1;
        else if (mod === 2) disp = 4;
      } else if (mod === 0 && rm === 6) disp = 2;
      else if (mod === 1) disp = 1;
      else if (mod === 2) disp = 2;
    }
    pos = (pos + disp) | 0;
  }
  const kind = shape & 0x0e;
  const z = o32 ? 4 : 2;
  const imm = [0, 1, 2, z, 3, a32 ? 4 : 2, z + 2, reg < 2 ? (op === 0xf6 ? 1 : z) : 0][kind >> 1];
  const length = ((pos - eip) | 0) + imm;
  if (length > MAX_LENGTH) return 0;
  const last = (eip + length - 1) | 0;
  const d = (last - w.lo) | 0;
  return d >= 0 && d < w.len ? length : 0;
}
