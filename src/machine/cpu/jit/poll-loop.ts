/**
 * Poll loops: a loop that reads a port and tests what it read, until a device event changes it
 * (`1: in al, dx; test al, 0x20; je 1b` — waiting for the UART's THRE). Every iteration after
 * the first reads the same value and does the same thing, so a compiled one is run once and the
 * rest are counted: the iterations that fit before the slice's end (the next timer event, at
 * the latest) are skipped, when the port says its next read would return that value again and
 * change nothing (Bus.pioStableRead). The instruction count moves as if they ran, and observers
 * (the trace) see each skipped read at its own count: nothing else can tell them apart.
 *
 * A loop is one when, from its head (a label) to the branch back to it, with no other label in
 * between, it is an IN, then instructions that read registers and write only flags (TEST, CMP,
 * NOP, PAUSE) or branch out on them, then the conditional or unconditional jump back: its state
 * after an iteration depends only on the value read and registers it does not write.
 */
import type { CpuCore } from '../core.js';
import { ioNeedsCheck } from '../ops-system.js';
import type { Insn } from './decode.js';

export interface PollLoop {
  /** The port: a constant, or DX (`r16[4]`), which the loop does not write. */
  readonly port: string;
  readonly size: number;
  /** The accumulator the IN wrote, which still holds the value read at the branch back. */
  readonly acc: string;
  /** Instructions per iteration. */
  readonly length: number;
}

/**
 * The poll loop `body` is, or null: `body` is a loop's instructions in order, from its head to
 * the jump back to it, all translated, none of them but the head a branch target.
 */
export function pollLoop(body: readonly Insn[]): PollLoop | null {
  const first = body[0];
  const op = first.op;
  if (body.length < 2 || !(op === 0xe4 || op === 0xe5 || op === 0xec || op === 0xed)) return null;
  for (let j = 1; j < body.length - 1; j++) if (!flagsOnly(body[j]) && !conditional(body[j].op)) return null;
  const last = body[body.length - 1].op;
  if (!conditional(last) && last !== 0xeb && last !== 0xe9) return null;
  const size = (op & 1) === 0 ? 1 : first.o32 ? 4 : 2;
  return {
    port: op < 0xec ? `0x${first.imm.toString(16)}` : 'r16[4]',
    size,
    acc: size === 1 ? 'r8[0]' : size === 2 ? 'r16[0]' : 'regs[0]',
    length: body.length,
  };
}

function conditional(op: number): boolean {
  return (op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f);
}

/** Reads registers (never memory) and writes nothing but flags: TEST, CMP, NOP and PAUSE. */
function flagsOnly(i: Insn): boolean {
  const op = i.op;
  const reg = (i.modrm >> 3) & 7;
  const registerForm = i.modrm >= 0xc0;
  if (op === 0x90 || op === 0xa8 || op === 0xa9 || op === 0x3c || op === 0x3d) return true;
  if (op === 0x84 || op === 0x85 || (op >= 0x38 && op <= 0x3b)) return registerForm;
  if (op === 0x80 || op === 0x81 || op === 0x83) return registerForm && reg === 7;
  if (op === 0xf6 || op === 0xf7) return registerForm && reg <= 1;
  return false;
}

/**
 * A poll loop's jump back, taken: `ic` is the next iteration's count. Skips the whole iterations
 * that fit before the slice's end when the port's next read would return `value` again and
 * change nothing; returns the count after them (`ic` when none is skipped). Each skipped read
 * reaches the bus's observers at the count of the IN that would have made it.
 */
export function skipPolls(c: CpuCore, ic: number, port: number, size: number, value: number, length: number): number {
  const times = Math.floor((c.sliceEnd - ic) / length);
  if (times <= 0 || ioNeedsCheck(c)) return ic;
  const bus = c.bus;
  const v = size === 4 ? value >>> 0 : value;
  if (bus.pioStableRead(port, size) !== v) return ic;
  if (!bus.skippedPioReads(times, length)) {
    const clock = c.clock;
    const saved = clock.icount;
    for (let j = 0; j < times; j++) {
      clock.icount = ic + j * length;
      bus.skippedPioRead(port, size, v);
    }
    clock.icount = saved;
  }
  return ic + times * length;
}
