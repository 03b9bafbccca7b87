/**
 * Running the compiler fuzz's cases (random-code.ts) both ways: a rig per case (its code, data
 * and tables, the exception and interrupt handlers, a timer and a port device, real or
 * protected mode), the comparisons at every stop, and what each case must end in.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { RunExit } from '../../src/machine/cpu/cpu.js';
import { CODE_AT, restoreInto, rig, runTo, type Rig } from '../cpu/compiler-rig.js';
import { int, prng } from './mutate.js';
import { le16, le32 } from './random-instructions.js';
import {
  BAD_SELECTOR, CODE16, CODE32, DATA, EXIT_HANDLER, EXIT_VECTOR, GDT, HANDLER, IDT, IRQ_HANDLER, IRQ_VECTOR, KERNEL_STACK_TOP,
  BODY_INSTRUCTIONS, encodingOf, makeCase, PAGE_DIRECTORY, PAGE_TABLE, STACK_TOP, SUPERVISOR_PAGE, TSS, UNMAPPED, VECTOR, type Case,
} from './random-code.js';

/** A rig for the case: its code, data and tables, the handlers, the timer and the port device, then real or protected mode. */
export function caseRig(compiler: boolean, c: Case): Rig {
  const r = rig(compiler, c.code, !c.mode16);
  const m = r.memory;
  const e = encodingOf(c);
  m.writeBytes(DATA, c.data);
  m.writeBytes(e.tables, Uint8Array.from(c.tables.flatMap((eip) => e.imm(eip))));
  m.writeBytes(HANDLER, new Uint8Array(32).fill(0xf4)); // exception v's handler: the HLT at HANDLER + v
  // INTR at random counts (the same for both rigs: one PRNG each, seeded alike); INTA lowers it
  // and arms the next. A device on ports 0x60-0x61: a read returns the instruction count's low
  // bits (so it must come at the interpreter's count), a write of v brings the interrupt to
  // 1 + v % 8 instructions on — in the middle of the block that wrote it.
  const timer = r.clock.createTimer('irq', () => r.cpu.setIntrLine(true));
  const device = r.bus.registerDevice('fuzz');
  r.bus.mapPorts(device, 0x60, 2, {
    sizes: 1 | 2 | 4,
    read: () => r.clock.icount & 0xffff,
    write: (_port, value) => {
      if (c.interrupts) timer.armIn(1 + (value & 7));
    },
  });
  if (c.interrupts) {
    const rnd = prng(c.seed * 7 + 1);
    r.cpu.interruptAcknowledge = () => {
      r.cpu.setIntrLine(false);
      timer.armIn(20 + int(rnd, 600));
      return IRQ_VECTOR;
    };
    timer.armIn(20 + int(rnd, 600));
  }
  if (c.mode16) realMode(r);
  else protectedMode(r, c);
  return r;
}

/** Real mode's stack segment: SS = 0x3000, SP = 0x8000 (BP-relative operands land anywhere in it). */
const REAL_SS = 0x30000;

/** Real mode: the IVT's vectors to the handlers, DS = ES = FS = GS = 0x2000 (the data), SS:SP = 3000:8000. */
function realMode(r: Rig): void {
  const m = r.memory;
  for (let v = 0; v < 32; v++) m.writeBytes(v * 4, Uint8Array.from([...le16(HANDLER + v), 0, 0]));
  m.writeBytes(IRQ_VECTOR * 4, Uint8Array.from([...le16(IRQ_HANDLER), 0, 0]));
  m.writeBytes(IRQ_HANDLER, Uint8Array.from([...CODE16.ticksInc(), 0xcf])); // inc word [cs:ticks]; iret
  const s = r.cpu.getState();
  s.ds = s.es = s.fs = s.gs = { selector: DATA >>> 4, base: DATA, limit: 0xffff, attributes: 0x93 };
  s.ss = { selector: REAL_SS >>> 4, base: REAL_SS, limit: 0xffff, attributes: 0x93 };
  s.esp = 0x8000;
  r.cpu.setState(s);
}

/** Flat protected mode with every exception's gate a HLT, paging on (identity, 4 MiB, user pages) or off, at CPL 0 or 3. */
function protectedMode(r: Rig, c: Case): void {
  const m = r.memory;
  // Interrupt gates to ring 0; DPL 3 where CPL 3 may use INT n (INT3, the exit).
  const gate = (v: number, handler: number, dpl: number) => m.writeBytes(IDT + v * 8, Uint8Array.from([...le16(handler), ...le16(0x08), 0x00, 0x8e | (dpl << 5), ...le16(handler >>> 16)]));
  for (let v = 0; v < 32; v++) gate(v, HANDLER + v, 3);
  gate(IRQ_VECTOR, IRQ_HANDLER, 0);
  gate(EXIT_VECTOR, EXIT_HANDLER, 3);
  m.writeBytes(EXIT_HANDLER, Uint8Array.of(0xf4));
  // inc dword [TICKS]; inc dword [the supervisor's page] (its TLB entry: what CPL 3 must not use); iret
  m.writeBytes(IRQ_HANDLER, Uint8Array.of(...CODE32.ticksInc(), 0xff, 0x05, ...le32(SUPERVISOR_PAGE + 16), 0xcf));
  // null, kernel code (0x08) and data (0x10), user code (0x1B) and data (0x23), the TSS (0x28): SS0:ESP0 for ring 0.
  const tssDescriptor = [0x67, 0x00, ...le16(TSS), TSS >>> 16, 0x89, 0x00, 0x00];
  m.writeBytes(GDT, Uint8Array.from([...Buffer.from('0000000000000000ffff0000009acf00ffff00000092cf00ffff000000facf00ffff000000f2cf00', 'hex'), ...tssDescriptor]));
  m.writeBytes(TSS + 4, Uint8Array.from([...le32(KERNEL_STACK_TOP), ...le32(0x10)]));
  const s = r.cpu.getState();
  s.gdtr = { base: GDT, limit: BAD_SELECTOR - 1 };
  s.idtr = { base: IDT, limit: (EXIT_VECTOR + 1) * 8 - 1 };
  s.tr = { selector: 0x28, base: TSS, limit: 0x67, attributes: 0x8b };
  s.esp = STACK_TOP;
  if (c.user) {
    // The case's first instructions run at ring 0 on the kernel's stack and IRET to ring 3 (user segments, IOPL 3: STI, CLI and port I/O allowed there).
    s.esp = KERNEL_STACK_TOP;
    s.ds = s.es = s.fs = s.gs = { selector: 0x23, base: 0, limit: 0xffffffff, attributes: 0xc0f3 };
    s.eflags |= 0x3000;
  }
  if (c.paging) {
    m.writeBytes(PAGE_DIRECTORY, Uint8Array.from(le32(PAGE_TABLE | 0x07)));
    const table = new Uint8Array(4096);
    for (let i = 0; i < 1024; i++) table.set(le32((i * 0x1000) | 0x07), i * 4);
    if (c.fault?.kind === 'page') table.fill(0, (UNMAPPED >>> 12) * 4, (UNMAPPED >>> 12) * 4 + 4);
    table.set(le32(SUPERVISOR_PAGE | 0x03), (SUPERVISOR_PAGE >>> 12) * 4);
    m.writeBytes(PAGE_TABLE, table);
    s.cr3 = PAGE_DIRECTORY;
    s.cr0 |= 0x80000000;
  }
  r.cpu.setState(s);
}

/** What must match at a stop: the CPU's state, the count, the data area, the stack's top, the pages written since the last stop. */
function observe(r: Rig, c: Case): object {
  const written = Array.from(r.memory.dirty.takeAndClear());
  const e = encodingOf(c);
  const digest = (from: number, to: number) => createHash('sha256').update(r.memory.ram.subarray(from, to)).digest('hex');
  return {
    written,
    state: r.cpu.getState(),
    icount: r.clock.icount,
    // The data (in real mode, all of DS and SS: SI, DI and BP address any of them).
    data: c.mode16 ? digest(DATA, REAL_SS + 0x10000) : Buffer.from(r.memory.ram.subarray(DATA, DATA + 256)).toString('hex'),
    code: digest(CODE_AT, CODE_AT + 4096),
    counter: r.memory.read32(e.counter),
    ticks: r.memory.read32(e.ticks),
    supervisor: r.memory.read32(SUPERVISOR_PAGE + 16),
    stack: Buffer.from(r.memory.ram.subarray(STACK_TOP - 64, STACK_TOP)).toString('hex'),
    kernelStack: Buffer.from(r.memory.ram.subarray(KERNEL_STACK_TOP - 64, KERNEL_STACK_TOP)).toString('hex'),
    // The page tables' accessed and dirty bits.
    tables: createHash('sha256').update(r.memory.ram.subarray(PAGE_DIRECTORY, PAGE_TABLE + 4096)).digest('hex'),
  };
}

/**
 * Cases first..first + count - 1, each compiled and interpreted: the same exit and state at
 * every stop, ending at the loop's HLT or (a fault case) in the handler, with the faulting
 * instruction's EIP pushed — and, restored from the compiled run's state mid-run, a third rig
 * the same from there. Then, over all of them: enough instructions translated, faults and
 * interrupts taken, translations dropped by stores into code and restores made.
 */
export function fuzzCompiler(first: number, count: number): void {
  let translated = 0;
  let restores = 0;
  let faults = 0;
  let interrupted = 0;
  let invalidations = 0;
  for (let seed = first; seed < first + count; seed++) {
    const c = makeCase(seed);
    const on = caseRig(true, c);
    const off = caseRig(false, c);
    const context = `seed ${seed} (${c.mode16 ? 'real mode' : `paging ${c.paging ? 'on' : 'off'}`}${c.user ? ', CPL 3' : ''}${c.interrupts ? ', interrupts' : ''}${c.smc ? ', self-modifying' : ''}${c.fault === null ? '' : `, ${c.fault.kind} at ${c.fault.eip.toString(16)}`}), body ${Buffer.from(c.body).toString('hex')}`;
    // Stops at odd counts land inside the body's compiled runs; the last runs to the HLT.
    const stride = 7 + (seed % 53);
    // Without the timer (the rig's only state outside the CPU and memory), a third rig takes the
    // compiled one's CPU state and memory at one of those stops, as a migration's destination
    // would, and runs on from there with its own compiler: it must stay with the others.
    const restoreAt = c.interrupts ? -1 : 2 + (seed % 4);
    let restored: Rig | null = null;
    const compare = (): void => {
      const expected = observe(off, c);
      expect(observe(on, c), context).toEqual(expected);
      if (restored !== null) expect(observe(restored, c), `${context}, restored`).toEqual(expected);
    };
    let exit: RunExit = RunExit.REACHED;
    for (let at = stride, stop = 0; exit === RunExit.REACHED && at < 200_000; at += stride * (1 + (at % 5)), stop++) {
      exit = runTo(on, at);
      expect(runTo(off, at), context).toBe(exit);
      if (restored !== null) expect(runTo(restored, at), `${context}, restored`).toBe(exit);
      compare();
      if (stop === restoreAt && exit === RunExit.REACHED) restored = restoreInto(caseRig(true, c), on);
    }
    if (exit === RunExit.REACHED) {
      exit = runTo(on, 1_000_000);
      expect(runTo(off, 1_000_000), context).toBe(exit);
      if (restored !== null) expect(runTo(restored, 1_000_000), `${context}, restored`).toBe(exit);
      compare();
    }
    if (restored !== null) restores++;
    expect(exit, context).toBe(RunExit.HALTED);
    const s = on.cpu.getState();
    // In real mode, a word at offset 0xFFFF (SI, DI and BP are anywhere) is past the segment's
    // limit: #SS or #GP, taken alike (the comparisons above are all there is to check then).
    const limitFault = c.mode16 && (s.eip === HANDLER + 12 + 1 || s.eip === HANDLER + 13 + 1);
    if (!limitFault && c.fault === null) {
      // At the loop's own HLT, or the exit's: nothing else faults (the generator keeps to what cannot).
      expect(s.eip, `${context}: ${s.eip >= HANDLER && s.eip <= HANDLER + 32 ? `exception ${s.eip - HANDLER - 1}` : 'the end'}`).toBe(c.user ? EXIT_HANDLER + 1 : c.end);
    } else if (!limitFault && c.fault !== null) {
      // In the handler, from the faulting instruction: its EIP pushed (after the error code, if any).
      expect(s.eip - HANDLER - 1, `${context}: the vector taken`).toBe(VECTOR[c.fault.kind]);
      const frame = c.fault.code === null ? s.esp : s.esp + 4;
      expect(c.mode16 ? on.memory.read16(REAL_SS + (frame & 0xffff)) : on.memory.read32(frame), `${context}: ${c.fault.kind}`).toBe(c.fault.eip);
      if (c.fault.code !== null) expect(on.memory.read32(s.esp), `${context}: ${c.fault.kind}`).toBe(c.fault.code);
      if (c.fault.cr2 !== undefined) expect(s.cr2, context).toBe(c.fault.cr2);
      faults++;
    }
    translated += on.cpu.compilerStats!.translated;
    invalidations += on.cpu.compilerStats!.invalidations;
    interrupted += on.memory.read32(encodingOf(c).ticks);
  }
  // What the cases reached, so that a generator that stopped reaching it fails:
  // the bodies ran compiled (most of their instructions translated);
  expect(translated).toBeGreaterThan(count * BODY_INSTRUCTIONS * 0.5);
  // a quarter took an exception in compiled code;
  expect(faults).toBeGreaterThan(count / 8);
  // half were interrupted by the timer, several times each, anywhere in the body;
  expect(interrupted).toBeGreaterThan(count);
  // a third rewrote their own compiled code;
  expect(invalidations).toBeGreaterThan(count / 6);
  // half were restored into a third rig mid-run.
  expect(restores).toBeGreaterThan(count / 4);
}
