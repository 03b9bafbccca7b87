/**
 * The instruction loop: prefixes, then the one-byte opcode map (SDM vol. 2, table A-2).
 *
 * This is the hot path. The switch only dispatches: each case calls one small function
 * (ops-*.ts) or is a one-liner (INC/DEC r32: a few lines). That shape is for V8: TurboFan
 * inlines the helpers (fetch, ModR/M decode, memory access) into small functions but runs out
 * of inlining budget (920 bytes of inlined bytecode per function) in a big switch, and does
 * not optimise functions over ~60 KB of bytecode at all. Which calls of this function get
 * inlined depends on the type feedback when it is compiled; a CpuCore method is the cheapest
 * call otherwise: a module-level function is loaded from the module context and checked (TDZ
 * hole, call target) at each call site of this function's own code - its regular (non-OSR)
 * compile is not specialised to the module context. The decode
 * and the switch sit in the loop itself: a separate `step` function per instruction cost a
 * call, a frame and map checks each time (measured with callgrind: 16% fewer host
 * instructions per guest instruction on memtouch without it).
 * Two-byte (0F xx) opcodes are in exec0f.ts.
 */
import * as aluOps from './alu.js';
import * as constants from './constants.js';
import type { CpuCore } from './core.js';
import * as exec0fOps from './exec0f.js';
import * as interrupts from './interrupts.js';
import * as arithOps from './ops-arith.js';
import * as controlOps from './ops-control.js';
import * as moveOps from './ops-move.js';
import * as protectionOps from './ops-protection.js';
import * as stringOps from './ops-string.js';
import * as systemOps from './ops-system.js';
// Module-local copies of imported bindings: see "Imports in hot code" in constants.ts.
const { aaa, aad, aam, daa, das } = aluOps;
const { CF, CR0_MP, CR0_TS, DF, DS, ES, EXC_GP, EXC_NM, EXC_UD, FS, GS, R8 } = constants;
const { exec0f } = exec0fOps;
const { iret } = interrupts;
const {
  aluAccIz, aluAlIb, aluEbGb, aluEvGv, aluGbEb, aluGvEv, decReg, escape, group1, group2, group3, group45, imulImm,
  incReg, testAcc, testRm,
} = arithOps;
const {
  bound, callFar, enter, farPointerLoad, int3, intN, into, jccShort, jmpRel, jmpShort, jumpFar, leave, loopOp, popa,
  popSeg, pusha, retFar, retNear,
} = controlOps;
const {
  cbw, cwd, lea, movEbGb, movEImm, movEvGv, movEwSreg, movGbEb, movGvEv, movMoffs, movRegImm, movSregEw, popReg,
  popRm, pushImm, pushReg, pushSeg, xchgAcc, xchgRm, xlat,
} = moveOps;
const { arpl } = protectionOps;
const { stringOp } = stringOps;
const { cli, hlt, icebp, ioIn, ioOut, lahf, popf, pushf, sahf, sti } = systemOps;

/** An instruction longer than 15 bytes (prefixes included) raises #GP(0) on a 386. */
const MAX_INSTRUCTION_LENGTH = 15;

/** Bytes that are prefixes (SDM vol. 2, 2.1.1). */
const PREFIX = new Uint8Array(256);
for (const b of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) PREFIX[b] = 1;

/**
 * Execute instructions while clock.icount < c.sliceEnd, counting each one retired. A guest
 * exception propagates (GUEST_EXCEPTION) with the faulting instruction uncounted.
 */
export function execute(c: CpuCore): void {
  const clock = c.clock;
  while (clock.icount < c.sliceEnd) {
    if (c.prefixed === true) {
      c.o32 = c.csD;
      c.a32 = c.csD;
      c.segOvr = -1;
      c.rep = 0;
      c.prefixed = false;
    }
    // The opcode byte: fetch8's fast path written out, so that it does not use up execute's
    // inlining budget (fetch8 is 76 bytes of bytecode; see above).
    const eip = c.eip;
    c.startEip = eip;
    const d = (eip - c.fLo) | 0;
    let op: number;
    if (d >= 0 && d < c.fLen) {
      c.eip = (eip + 1) | 0;
      op = c.ram[(eip + c.fDelta) | 0];
    } else op = c.fetch8();
    for (;;) {
      switch (op) {
        case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65: case 0x66: case 0x67:
        case 0xf0: case 0xf2: case 0xf3:
          // Prefixes: consume them all, then dispatch the opcode that follows (once). A case
          // of the switch costs nothing on the unprefixed path, where a table test did
          // (measured: 74 -> 57 host instructions per NOP).
          op = prefixes(c, op);
          continue;
        // ---------------------------------------------------------------- ALU rows
        case 0x00: case 0x08: case 0x10: case 0x18: case 0x20: case 0x28: case 0x30: case 0x38:
          aluEbGb(c, op >> 3);
          break;
        case 0x01: case 0x09: case 0x11: case 0x19: case 0x21: case 0x29: case 0x31: case 0x39:
          aluEvGv(c, op >> 3);
          break;
        case 0x02: case 0x0a: case 0x12: case 0x1a: case 0x22: case 0x2a: case 0x32: case 0x3a:
          aluGbEb(c, op >> 3);
          break;
        case 0x03: case 0x0b: case 0x13: case 0x1b: case 0x23: case 0x2b: case 0x33: case 0x3b:
          aluGvEv(c, op >> 3);
          break;
        case 0x04: case 0x0c: case 0x14: case 0x1c: case 0x24: case 0x2c: case 0x34: case 0x3c:
          aluAlIb(c, op >> 3);
          break;
        case 0x05: case 0x0d: case 0x15: case 0x1d: case 0x25: case 0x2d: case 0x35: case 0x3d:
          aluAccIz(c, op >> 3);
          break;
        case 0x06: case 0x0e: case 0x16: case 0x1e: pushSeg(c, op >> 3); break;
        case 0x07: case 0x17: case 0x1f: popSeg(c, op >> 3); break;
        case 0x0f: exec0f(c); break;
        case 0x27: daa(c); break;
        case 0x2f: das(c); break;
        case 0x37: aaa(c, false); break;
        case 0x3f: aaa(c, true); break;

        // ---------------------------------------------------------------- 40-7F
        case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
          if (c.o32) { // INC r32 in line (loop counters): callgrind, dec/jnz 111 -> 103 per instruction
            const a = c.regs[op & 7];
            const r = (a + 1) | 0;
            c.regs[op & 7] = r;
            c.setInc(a, r, 31);
          } else incReg(c, op);
          break;
        case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
          if (c.o32) { // DEC r32 in line, as INC
            const a = c.regs[op & 7];
            const r = (a - 1) | 0;
            c.regs[op & 7] = r;
            c.setDec(a, r, 31);
          } else decReg(c, op);
          break;
        case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
          pushReg(c, op);
          break;
        case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
          popReg(c, op);
          break;
        case 0x60: pusha(c); break;
        case 0x61: popa(c); break;
        case 0x62: bound(c); break;
        case 0x63: arpl(c); break;
        case 0x68: case 0x6a: pushImm(c, op); break;
        case 0x69: case 0x6b: imulImm(c, op); break;
        case 0x6c: case 0x6d: case 0x6e: case 0x6f: stringOp(c, op); break;
        case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
        case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
          jccShort(c, op);
          break;

        // ---------------------------------------------------------------- 80-BF
        case 0x80: case 0x81: case 0x82: case 0x83: group1(c, op); break;
        case 0x84: case 0x85: testRm(c, op); break;
        case 0x86: case 0x87: xchgRm(c, op); break;
        case 0x88: movEbGb(c); break;
        case 0x89: movEvGv(c); break;
        case 0x8a: movGbEb(c); break;
        case 0x8b: movGvEv(c); break;
        case 0x8c: movEwSreg(c); break;
        case 0x8d: lea(c); break;
        case 0x8e: movSregEw(c); break;
        case 0x8f: popRm(c); break;
        case 0x90: break; // NOP (PAUSE with F3)
        case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: xchgAcc(c, op); break;
        case 0x98: cbw(c); break;
        case 0x99: cwd(c); break;
        case 0x9a: { // CALL ptr16:16/32
          const off = c.o32 ? c.fetch32() : c.fetch16();
          callFar(c, c.fetch16(), off);
          break;
        }
        case 0x9b: // WAIT: #NM when MP and TS are both set; there is no FPU to wait for
          if ((c.cr0 & (CR0_MP | CR0_TS)) === (CR0_MP | CR0_TS)) c.raise(EXC_NM);
          break;
        case 0x9c: pushf(c); break;
        case 0x9d: popf(c); break;
        case 0x9e: sahf(c); break;
        case 0x9f: lahf(c); break;
        case 0xa0: case 0xa1: case 0xa2: case 0xa3: movMoffs(c, op); break;
        case 0xa4: case 0xa5: case 0xa6: case 0xa7: case 0xaa: case 0xab: case 0xac: case 0xad: case 0xae: case 0xaf:
          stringOp(c, op);
          break;
        case 0xa8: case 0xa9: testAcc(c, op); break;
        case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
          c.r8[R8[op & 7]] = c.fetch8();
          break;
        case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
          movRegImm(c, op);
          break;

        // ---------------------------------------------------------------- C0-FF
        case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: group2(c, op); break;
        case 0xc2: retNear(c, c.fetch16()); break;
        case 0xc3: retNear(c, 0); break;
        case 0xc4: farPointerLoad(c, ES); break;
        case 0xc5: farPointerLoad(c, DS); break;
        case 0xc6: case 0xc7: movEImm(c, op); break;
        case 0xc8: enter(c); break;
        case 0xc9: leave(c); break;
        case 0xca: retFar(c, c.fetch16()); break;
        case 0xcb: retFar(c, 0); break;
        case 0xcc: int3(c); break;
        case 0xcd: intN(c, c.fetch8()); break;
        case 0xce: into(c); break;
        case 0xcf:
          iret(c);
          c.sliceEnd = 0; // IF may have come on: look at INTR before the next instruction
          break;
        case 0xd4: aam(c, c.fetch8()); break;
        case 0xd5: aad(c, c.fetch8()); break;
        case 0xd6: // SALC (undocumented, but every 386 has it): AL = CF ? FF : 00
          c.r8[0] = c.getCF() ? 0xff : 0;
          break;
        case 0xd7: xlat(c); break;
        case 0xd8: case 0xd9: case 0xda: case 0xdb: case 0xdc: case 0xdd: case 0xde: case 0xdf:
          escape(c, op);
          break;
        case 0xe0: case 0xe1: case 0xe2: case 0xe3: loopOp(c, op); break;
        case 0xe4: ioIn(c, c.fetch8(), 1); break;
        case 0xe5: ioIn(c, c.fetch8(), c.o32 ? 4 : 2); break;
        case 0xe6: ioOut(c, c.fetch8(), 1); break;
        case 0xe7: ioOut(c, c.fetch8(), c.o32 ? 4 : 2); break;
        case 0xe8: jmpRel(c, true); break;
        case 0xe9: jmpRel(c, false); break;
        case 0xea: { // JMP ptr16:16/32
          const off = c.o32 ? c.fetch32() : c.fetch16();
          jumpFar(c, c.fetch16(), off);
          break;
        }
        case 0xeb: jmpShort(c); break;
        case 0xec: ioIn(c, c.r16[4], 1); break;
        case 0xed: ioIn(c, c.r16[4], c.o32 ? 4 : 2); break;
        case 0xee: ioOut(c, c.r16[4], 1); break;
        case 0xef: ioOut(c, c.r16[4], c.o32 ? 4 : 2); break;
        case 0xf1: icebp(c); break;
        case 0xf4: hlt(c); break;
        case 0xf5: c.setFlags(c.getFlags() ^ CF, CF); break;
        case 0xf6: case 0xf7: group3(c, op); break;
        case 0xf8: case 0xf9: c.setFlags(op & 1, CF); break;
        case 0xfa: cli(c); break;
        case 0xfb: sti(c); break;
        case 0xfc: c.flags &= ~DF; break;
        case 0xfd: c.flags |= DF; break;
        case 0xfe: case 0xff: group45(c, op); break;
        default:
          c.raise(EXC_UD);
      }
      break;
    }
    clock.icount++;
  }
}

/** Consume prefix bytes starting with `op`; returns the opcode byte that follows them. */
function prefixes(c: CpuCore, op: number): number {
  c.prefixed = true;
  let lock = false;
  while (PREFIX[op] !== 0) {
    switch (op) {
      case 0x26: case 0x2e: case 0x36: case 0x3e: c.segOvr = (op >> 3) & 3; break;
      case 0x64: c.segOvr = FS; break;
      case 0x65: c.segOvr = GS; break;
      case 0x66: c.o32 = c.csD ^ 1; break;
      case 0x67: c.a32 = c.csD ^ 1; break;
      case 0xf0: lock = true; break; // LOCK: checked below (one CPU, no bus to lock)
      case 0xf2: c.rep = 2; break;
      default: c.rep = 1; break; // F3
    }
    if (c.eip - c.startEip >= MAX_INSTRUCTION_LENGTH) c.raise(EXC_GP, 0);
    op = c.fetch8();
  }
  if (lock) checkLock(c, op);
  return op;
}

/**
 * LOCK is allowed only on the read-modify-write instructions with a memory destination
 * (SDM vol. 2, LOCK); anything else raises #UD (test386.asm, POST 12). The ModR/M byte is
 * peeked, not consumed.
 */
function checkLock(c: CpuCore, op: number): void {
  const eip = c.eip;
  let op2 = -1;
  if (op === 0x0f) op2 = c.fetch8();
  const m = c.fetch8();
  c.eip = eip;
  const reg = (m >> 3) & 7;
  let ok: boolean;
  if (op2 >= 0) {
    ok = op2 === 0xab || op2 === 0xb3 || op2 === 0xbb || op2 === 0xb0 || op2 === 0xb1 || op2 === 0xc0 || op2 === 0xc1
      || (op2 === 0xba && reg >= 5) || (op2 === 0xc7 && reg === 1);
  } else if (op < 0x40) {
    ok = (op & 7) <= 1 && (op & 0x38) !== 0x38; // ALU r/m, reg (not CMP)
  } else {
    ok = ((op >= 0x80 && op <= 0x83) && reg !== 7) || op === 0x86 || op === 0x87
      || ((op === 0xf6 || op === 0xf7) && (reg === 2 || reg === 3)) || ((op === 0xfe || op === 0xff) && reg <= 1);
  }
  if (!ok || m >= 0xc0) c.raise(EXC_UD);
}
