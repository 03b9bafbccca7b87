/**
 * The compiler fuzz's cases (compiler.fuzz.test.ts, test/long/compiler-fuzz.test.ts; run by
 * random-code-rig.ts): the compiling CPU against the interpreter on random guest code. Each
 * case is a loop over a body of random instructions (random-instructions.ts):
 * - ALU in every form and size, shifts and rotates by constants and CL (counts 0 to 40),
 *   MUL/IMUL/DIV/IDIV, SHLD/SHRD, BSF/BSR, BT*, SETcc, MOVZX/MOVSX, XCHG/XADD/CMPXCHG, BSWAP,
 *   BCD adjusts, flag instructions, PUSH/POP/PUSHF, REP MOVS/STOS, port I/O — on registers and
 *   on memory through every addressing form, 16-bit forms by prefix;
 * - forward Jcc inside the block, calls to subroutines after the loop (RET, RET imm16),
 *   switches through four-case jump tables.
 * And around it:
 * - a fifth run in real mode: 16-bit code, 16-bit addressing in every form (DS and SS not at 0:
 *   SI, DI and BP reach anywhere in them), the IVT; the rest in flat 32-bit protected mode;
 * - paging off or on; with paging on, half run at CPL 3, entered by IRET from ring 0 once ring
 *   0 has touched a supervisor-only page (exceptions and interrupts through the TSS to ring 0;
 *   #PF on that page with U/S set);
 * - half run with a timer interrupting every 20 to 620 instructions, which a port write brings
 *   to 1 to 8 instructions on, mid-block (after an interrupt the rest of the iteration runs
 *   interpreted, up to the loop's head);
 * - a quarter raise one exception in compiled code;
 * - a third store into their own instructions' immediates: the new bytes must run;
 * - half (those without the timer) are restored mid-run into a third rig, as a migration's
 *   destination: the compiled run's CPU state and memory at a stop, its own compiler empty.
 * The compiler compiles the body eagerly (the second time it starts), so most iterations run
 * compiled; the interpreter alone runs the same code. Both must stop with the same registers,
 * flags, memory, pages written and instruction count at every stop — slice ends that fall
 * anywhere inside the body included — and take each interrupt and exception at the same
 * instruction. Seeded: the same cases every run; a failure names the seed and the body's bytes.
 */
import { CODE_AT } from '../cpu/compiler-rig.js';
import { prng } from './mutate.js';
import { Gen, le16, le32 } from './random-instructions.js';

/** Instructions (or short sequences) per loop body, and times round the loop. */
export const BODY_INSTRUCTIONS = 40;
const ITERATIONS = 16;

/** Where things are: the body's data (EBX points here), the loop counter, the stack, the tables. */
export const DATA = 0x20000;
const COUNTER = 0x30000;
export const STACK_TOP = 0x80000;
export const IDT = 0x5000;
export const HANDLER = 0x6000;
/** The timer interrupt's vector, handler and count of interrupts taken. */
export const IRQ_VECTOR = 0x40;
export const IRQ_HANDLER = 0x6100;
const TICKS = 0x30010;
/** User-mode cases end with INT 0x41 (HLT is privileged): its handler halts. */
export const EXIT_VECTOR = 0x41;
export const EXIT_HANDLER = 0x6200;
export const TSS = 0x7100;
export const KERNEL_STACK_TOP = 0x90000;
/** A selector past the GDT's limit (six descriptors: null, kernel code and data, user code and data, the TSS). */
export const BAD_SELECTOR = 0x30;
export const GDT = 0x7000;
export const PAGE_DIRECTORY = 0x100000;
export const PAGE_TABLE = 0x101000;

const EAX = 0;
const ECX = 1;
const EDX = 2;
const EBX = 3;

/** An exception a case raises once, in compiled code: where it must be taken from. */
export interface Fault {
  readonly kind: 'divide' | 'page' | 'undefined' | 'breakpoint' | 'selector';
  /** EIP of the faulting instruction (of the one after it: INT3, a trap). */
  readonly eip: number;
  /** Pushed error code (#PF, #GP), or null. */
  readonly code: number | null;
  /** CR2 (#PF). */
  readonly cr2?: number;
}

export interface Case {
  code: Uint8Array;
  /** EIP after the loop's HLT (subroutines follow it). */
  end: number;
  body: Uint8Array;
  data: Uint8Array;
  /** The jump tables' cases (absolute EIPs), four to a table, at Encoding.tables. */
  tables: number[];
  /** Real mode: 16-bit code, DS = ES = 0x2000 (the data). */
  mode16: boolean;
  paging: boolean;
  /** The body runs at CPL 3 (IOPL 3, user pages; paging on); exceptions and interrupts go to ring 0 through the TSS. */
  user: boolean;
  fault: Fault | null;
  /** A timer interrupts the loop every 20 to 620 instructions (its handler counts, then IRETs). */
  interrupts: boolean;
  /** The body stores into its own instructions' immediates. */
  smc: boolean;
  seed: number;
}

export const VECTOR: Record<Fault['kind'], number> = { divide: 0, breakpoint: 3, undefined: 6, selector: 13, page: 14 };

/** Where jump tables go (above what the body's stores reach): 16 bytes, four cases, each. */
const TABLES = DATA + 0x200;

/** A page the fault cases leave not present (paging on): its PTE is cleared. */
export const UNMAPPED = 0x3f0000;
/** A page only the supervisor may touch (U/S = 0): a fault from CPL 3. */
export const SUPERVISOR_PAGE = 0x3e0000;

/**
 * What the loop around a body is made of, in 32-bit code (flat segments: the loop counter, the
 * interrupt count and the jump tables at their addresses) or in 16-bit code (real mode: DS and
 * ES are the data, where the body's stores land anywhere, so the counter, the count and the
 * tables are reached through CS, in low memory).
 */
export interface Encoding {
  readonly imm: (v: number) => number[];
  /** mov r32, imm32 (a register's full width), whatever the code size. */
  fullImm(r: number, v: number): number[];
  /** Where EBX points (the base of the body's memory operands): DATA, or DS's 0. */
  readonly dataBase: number;
  /** Absolute addresses of the loop counter, the interrupt count and the jump tables. */
  readonly counter: number;
  readonly ticks: number;
  readonly tables: number;
  /** mov [counter], v / cmp [counter], v / dec [counter]. */
  counterSet(v: number): number[];
  counterCmp(v: number): number[];
  counterDec(): number[];
  /** inc [ticks]: the interrupt handler's. */
  ticksInc(): number[];
  /** mov [addr], reg (into code: an immediate) — and where its address field starts. */
  codeStore(reg: number, addr: number): number[];
  readonly codeStoreAddressAt: number;
  /** The jump to a four-case table's entry (ECX = a byte of data & 3), and an entry's bytes. */
  tableJump(disp: number, table: number): number[];
  readonly entrySize: number;
  /** Near JNZ, JMP and CALL to a target `rel` bytes after the instruction. */
  jnz(rel: number): number[];
  jmp(rel: number): number[];
  call(rel: number): number[];
}

export const CODE32: Encoding = {
  imm: le32,
  fullImm: (r, v) => [0xb8 + r, ...le32(v)],
  dataBase: DATA,
  counter: COUNTER,
  ticks: TICKS,
  tables: TABLES,
  counterSet: (v) => [0xc7, 0x05, ...le32(COUNTER), ...le32(v)],
  counterCmp: (v) => [0x81, 0x3d, ...le32(COUNTER), ...le32(v)],
  counterDec: () => [0xff, 0x0d, ...le32(COUNTER)],
  ticksInc: () => [0xff, 0x05, ...le32(TICKS)],
  codeStore: (reg, addr) => [0x89, 0x05 | (reg << 3), ...le32(addr)],
  codeStoreAddressAt: 2,
  // movzx ecx, byte [ebx + d]; and ecx, 3; jmp [table + ecx * 4]
  tableJump: (disp, table) => [0x0f, 0xb6, 0x4b, disp, 0x83, 0xe1, 0x03, 0xff, 0x24, 0x8d, ...le32(table)],
  entrySize: 4,
  jnz: (rel) => [0x0f, 0x85, ...le32(rel - 6)],
  jmp: (rel) => [0xe9, ...le32(rel - 5)],
  call: (rel) => [0xe8, ...le32(rel - 5)],
};

/** Real mode's counter, interrupt count and jump tables: CS-relative (CS = 0), below the code. */
const COUNTER16 = 0xf00;
const TICKS16 = 0xf10;
const TABLES16 = 0xe00;

export const CODE16: Encoding = {
  imm: le16,
  fullImm: (r, v) => [0x66, 0xb8 + r, ...le32(v)],
  dataBase: 0,
  counter: COUNTER16,
  ticks: TICKS16,
  tables: TABLES16,
  counterSet: (v) => [0x2e, 0xc7, 0x06, ...le16(COUNTER16), ...le16(v)],
  counterCmp: (v) => [0x2e, 0x81, 0x3e, ...le16(COUNTER16), ...le16(v)],
  counterDec: () => [0x2e, 0xff, 0x0e, ...le16(COUNTER16)],
  ticksInc: () => [0x2e, 0xff, 0x06, ...le16(TICKS16)],
  codeStore: (reg, addr) => [0x2e, 0x89, 0x06 | (reg << 3), ...le16(addr)],
  codeStoreAddressAt: 3,
  // movzx cx, byte [bx + d]; and cx, 3; shl cx, 1; mov si, cx; jmp [cs:si + table]
  tableJump: (disp, table) => [0x0f, 0xb6, 0x4f, disp, 0x83, 0xe1, 0x03, 0xd1, 0xe1, 0x89, 0xce, 0x2e, 0xff, 0xa4, ...le16(table)],
  entrySize: 2,
  jnz: (rel) => [0x0f, 0x85, ...le16(rel - 4)],
  jmp: (rel) => [0xe9, ...le16(rel - 3)],
  call: (rel) => [0xe8, ...le16(rel - 3)],
};

/** The encoding a case's code is in. */
export function encodingOf(c: Pick<Case, 'mode16'>): Encoding {
  return c.mode16 ? CODE16 : CODE32;
}

/**
 * The bytes of one exception: #DE (DIV by ECX = 0), #PF (a read, a store or a read-modify-write
 * of the unmapped page), #UD (UD2), #BP (INT3) and #GP (a load of DS with a selector past the
 * GDT's limit). None touches the flags first: the exception pushes those the body left.
 */
function faultBytes(g: Gen, paging: boolean, user: boolean): { bytes: number[]; kind: Fault['kind']; at: number; code: (f: number[]) => number | null; cr2?: number } {
  // Real mode: no #PF, and any selector loads (no #GP); no error codes.
  const kinds: Fault['kind'][] = g.mode16 ? ['divide', 'undefined', 'breakpoint'] : paging ? ['divide', 'page', 'page', 'undefined', 'breakpoint', 'selector'] : ['divide', 'undefined', 'breakpoint', 'selector'];
  // From CPL 3, half are page faults (half of those on the supervisor's page: the TLB's user bits).
  const kind = user && g.chance(0.5) ? 'page' : g.pick(kinds);
  switch (kind) {
    case 'divide': {
      const mov = [0xb9, ...(g.mode16 ? le16 : le32)(0)]; // mov ecx, 0 (16-bit code: cx)
      return { kind, bytes: [...mov, 0xf7, 0xf1], at: mov.length, code: () => null }; // div ecx
    }
    case 'page': {
      // The unmapped page, or (from CPL 3) the supervisor's page: present, P = 1 in the error code.
      const supervisor = user && g.chance(0.5);
      const addr = (supervisor ? SUPERVISOR_PAGE : UNMAPPED) + g.int(4093);
      const form = g.int(3);
      const bytes = form === 0 ? [0x8b, 0x05, ...le32(addr)] : form === 1 ? [0xc7, 0x05, ...le32(addr), ...le32(g.u32())] : [0x01, 0x05, ...le32(addr)];
      // Error code: P, a write (W/R = 1) for the store (a read-modify-write faults on its read), U/S from CPL 3.
      return { kind, bytes, at: 0, code: () => (supervisor ? 1 : 0) | (form === 1 ? 2 : 0) | (user ? 4 : 0), cr2: addr };
    }
    case 'undefined':
      return { kind, bytes: [0x0f, 0x0b], at: 0, code: () => null };
    case 'breakpoint':
      return { kind, bytes: [0xcc], at: 1, code: () => null }; // a trap: the pushed EIP is the next instruction's
    default:
      return { kind, bytes: [0xb8, ...le32(BAD_SELECTOR), 0x8e, 0xd8], at: 5, code: () => BAD_SELECTOR }; // mov eax, BAD_SELECTOR; mov ds, ax
  }
}

export function makeCase(seed: number): Case {
  const rnd = prng(seed);
  // A fifth run in real mode (16-bit code, DS = ES = the data); the rest in flat 32-bit protected mode.
  const mode16 = rnd() < 0.2;
  const g = new Gen(rnd, DATA, mode16);
  const e = encodingOf({ mode16 });
  const paging = !mode16 && g.chance(0.5);
  const interrupts = g.chance(0.5);
  const user = paging && g.chance(0.5);
  const body: number[] = [];
  const prelude: number[] = [];
  if (user) {
    // Ring 0 first: touch the supervisor's page (its TLB entry then grants ring 0 only), then IRET to ring 3.
    const kernel = [0xff, 0x05, ...le32(SUPERVISOR_PAGE + 16), 0x6a, 0x23, 0x68, ...le32(STACK_TOP), 0x9c, 0x68, ...le32(0x1b), 0x68];
    prelude.push(...kernel, ...le32(CODE_AT + kernel.length + 5), 0xcf); // push the next byte's EIP; iret
  }
  for (const r of [EAX, ECX, EDX, 5, 6, 7]) prelude.push(...e.fullImm(r, g.u32()));
  prelude.push(...e.fullImm(EBX, e.dataBase));
  prelude.push(...e.counterSet(ITERATIONS));
  if (interrupts) prelude.push(0xfb); // sti
  // A quarter of the cases take an exception once, in an iteration that runs compiled (the
  // body compiles when it starts the second time): after a guard on the counter and two more
  // random instructions, whose flags are still pending in the block when it is raised.
  const faultAt = g.chance(0.25) ? g.int(BODY_INSTRUCTIONS) : -1;
  let fault: Fault | null = null;
  // A third of the cases rewrite their own code as they run: MOV r32, imm32 targets among the
  // body's instructions, and stores of a register (its value changes as the loop runs) into
  // their immediates, before or after them — in the same block, a later one or an earlier one.
  const smc = g.chance(1 / 3);
  const targetsAt = new Set<number>();
  const storesAt = new Map<number, number>(); // body instruction index -> the store's register
  if (smc) {
    for (let k = 1 + g.int(3); k > 0; k--) targetsAt.add(g.int(BODY_INSTRUCTIONS));
    for (let k = 1 + g.int(3); k > 0; k--) storesAt.set(g.int(BODY_INSTRUCTIONS), g.int(8));
  }
  const immediates: number[] = []; // body offsets of the targets' immediates
  const stores: number[] = []; // body offsets of the stores' address fields
  // Control flow between blocks: calls to subroutines after the loop (some with an argument
  // that RET imm16 releases), and switches through a jump table of four cases.
  const subroutines: number[][] = [];
  for (let k = g.int(4); k > 0; k--) {
    const sub: number[] = [];
    for (let n = 1 + g.int(6); n > 0; n--) sub.push(...g.instruction());
    subroutines.push(sub);
  }
  const calls: { at: number; sub: number; ret: number }[] = []; // body offsets of the calls' rel32 fields
  const cases: number[] = []; // body offsets of the jump tables' cases, four by four
  for (let i = 0; i < BODY_INSTRUCTIONS; i++) {
    if (subroutines.length > 0 && g.chance(0.08)) {
      const sub = g.int(subroutines.length);
      const argument = g.chance(0.5);
      if (argument) body.push(0x68, ...e.imm(g.u32())); // push imm: the subroutine's RET n drops it
      calls.push({ at: body.length, sub, ret: argument ? e.entrySize : 0 });
      body.push(...e.call(0)); // filled in below
    }
    if (cases.length < 16 && g.chance(0.05)) {
      // A jump through a table of four cases, each a random instruction and a JMP to after them.
      body.push(...e.tableJump(g.int(121), e.tables + cases.length * e.entrySize));
      const jumps: number[] = [];
      for (let k = 0; k < 4; k++) {
        cases.push(body.length);
        body.push(...g.instruction());
        jumps.push(body.length);
        body.push(...e.jmp(0));
      }
      for (const j of jumps) {
        const jmp = e.jmp(body.length - j);
        body.splice(j, jmp.length, ...jmp);
      }
    }
    if (targetsAt.has(i)) {
      immediates.push(body.length + 1);
      body.push(0xb8 + g.dest(), ...e.imm(g.u32()));
    }
    const reg = storesAt.get(i);
    if (reg !== undefined) {
      stores.push(body.length + e.codeStoreAddressAt);
      body.push(...e.codeStore(reg, 0)); // mov [the immediate], reg: the address is filled in below
    }
    if (i === faultAt) {
      const f = faultBytes(g, paging, user);
      const iteration = 3 + g.int(ITERATIONS - 3); // 3rd..16th: the counter reads ITERATIONS + 1 - iteration
      const between = [...g.instruction(), ...g.instruction()];
      const guarded = [...between, ...f.bytes];
      if (guarded.length <= 127) {
        body.push(...e.counterCmp(ITERATIONS + 1 - iteration), 0x75, guarded.length); // cmp [counter], k; jne past
        const eip = CODE_AT + prelude.length + body.length + between.length + f.at;
        body.push(...guarded);
        fault = { kind: f.kind, eip, code: f.code(f.bytes), ...(f.cr2 === undefined ? {} : { cr2: f.cr2 }) };
      }
    }
    body.push(...g.instruction());
  }
  stores.forEach((at, k) => {
    const addr = e.imm(CODE_AT + prelude.length + immediates[(k * 7 + seed) % immediates.length]);
    body.splice(at, addr.length, ...addr);
  });
  const dec = e.counterDec();
  const tail = [
    ...dec,
    ...e.jnz(-(body.length + dec.length)), // back to the body's first byte

    // cli; hlt (an interrupt would wake the HLT), or at CPL 3 INT 0x41, whose handler halts with interrupts off
    ...(user ? [0xcd, EXIT_VECTOR] : [0xfa, 0xf4]),
  ];
  // The subroutines after the loop's end, each with RET or RET 4 as its calls want (a subroutine called both ways is laid out twice).
  const bodyAt = CODE_AT + prelude.length;
  const after: number[] = [];
  const placed = new Map<string, number>();
  for (const call of calls) {
    const key = `${call.sub}/${call.ret}`;
    let at = placed.get(key);
    if (at === undefined) {
      at = bodyAt + body.length + tail.length + after.length;
      placed.set(key, at);
      after.push(...subroutines[call.sub], ...(call.ret === 0 ? [0xc3] : [0xc2, ...le16(call.ret)]));
    }
    const callBytes = e.call(at - (bodyAt + call.at));
    body.splice(call.at, callBytes.length, ...callBytes);
  }
  const code = Uint8Array.from([...prelude, ...body, ...tail, ...after]);
  const data = new Uint8Array(256);
  for (let i = 0; i < data.length; i++) data[i] = g.int(256);
  const tables = cases.map((at) => bodyAt + at);
  return { code, end: bodyAt + body.length + tail.length, body: Uint8Array.from(body), data, tables, mode16, paging, user, fault, interrupts, smc, seed };
}
