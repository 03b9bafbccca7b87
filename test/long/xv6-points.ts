/**
 * Migration points that matter in a running xv6, found by running the guest (as the reference
 * recording runs it) and watching its CPU and devices: a process in ring 3, a system call, the
 * timer and disk interrupt handlers, a disk transfer in progress, a LAPIC timer interrupt
 * pending, fork copying a page table, a disk write's interrupt left pending. Kernel functions come from the build's kernel.sym
 * (xv6's own `nm` listing), so the points follow the kernel the guest cache holds.
 */
import { readFileSync } from 'node:fs';
import type { Machine } from '../../src/board/machine.js';

export interface GuestPoint {
  readonly name: string;
  readonly what: string;
  readonly icount: number;
}

/** Function address ranges from an `nm`-style listing (address, name), each up to the next symbol. */
export function functionRanges(symPath: string): Map<string, [number, number]> {
  const syms = readFileSync(symPath, 'utf8').split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((p) => p.length === 2 && /^[0-9a-f]{8}$/.test(p[0]))
    .map(([a, n]) => ({ address: parseInt(a, 16), name: n }))
    .filter((s) => s.address >= 0x80100000)
    .sort((a, b) => a.address - b.address);
  const ranges = new Map<string, [number, number]>();
  syms.forEach((s, i) => {
    const next = syms.slice(i + 1).find((t) => t.address > s.address);
    if (next !== undefined) ranges.set(s.name, [s.address, next.address]);
  });
  return ranges;
}

const TIMER_VECTOR = 32; // T_IRQ0 + IRQ_TIMER
const ATA_DRQ = 0x08;
const ATA_BSY = 0x80;

/**
 * Run `machine` from `from` on and return the first icount (at or after `from`, on a
 * `step`-instruction grid) where each condition holds; throws if one is not met by `to`.
 */
export function findXv6Points(machine: Machine, symPath: string, from: number, to: number, step = 8): GuestPoint[] {
  const fn = functionRanges(symPath);
  const range = (name: string): [number, number] => {
    const r = fn.get(name);
    if (r === undefined) throw new Error(`kernel.sym has no ${name}`);
    return r;
  };
  const eip = () => machine.cpu.eip >>> 0; // the CPU keeps it as a signed 32-bit value
  const inFn = (name: string) => {
    const [a, b] = range(name);
    return eip() >= a && eip() < b;
  };
  const sysRanges = [...fn.entries()].filter(([n]) => n.startsWith('sys_') || n === 'syscall').map(([, r]) => r);
  const cpu = machine.cpu;
  const lapic = machine.board.lapic.state;
  const drive = () => (machine.board.slave ?? machine.board.disk).state;
  const conditions: { name: string; what: string; holds: () => boolean }[] = [
    { name: 'user', what: 'a process running in ring 3', holds: () => cpu.cpl === 3 },
    { name: 'syscall', what: 'inside a system call (syscall() or a sys_* function)', holds: () => cpu.cpl === 0 && sysRanges.some(([a, b]) => eip() >= a && eip() < b) },
    { name: 'timer-handler', what: 'in trap() with the LAPIC timer vector in service', holds: () => inFn('trap') && (lapic.isr[TIMER_VECTOR >> 5] & (1 << (TIMER_VECTOR & 31))) !== 0 },
    { name: 'disk-handler', what: 'in ideintr(), the disk interrupt handler', holds: () => inFn('ideintr') },
    { name: 'disk-transfer', what: 'a disk command or PIO transfer in progress (BSY or DRQ on the file-system drive)', holds: () => (drive().status & (ATA_BSY | ATA_DRQ)) !== 0 },
    { name: 'timer-pending', what: 'a LAPIC timer interrupt requested, not yet taken', holds: () => (lapic.irr[TIMER_VECTOR >> 5] & (1 << (TIMER_VECTOR & 31))) !== 0 },
    { name: 'fork', what: 'in copyuvm(), fork copying the parent\'s page tables and pages', holds: () => inFn('copyuvm') },
    { name: 'after-write', what: 'a WRITE SECTORS done, its INTRQ pending (xv6 reads no status after a write)', holds: () => drive().irq_pending === 1 && drive().command === 0x30 && (drive().status & ATA_BSY) === 0 },
  ];
  machine.run({ maxInstructions: from });
  const found = new Map<string, GuestPoint>();
  while (found.size < conditions.length && machine.clock.icount < to) {
    for (const c of conditions) {
      if (!found.has(c.name) && c.holds()) found.set(c.name, { name: c.name, what: c.what, icount: machine.clock.icount });
    }
    const r = machine.run({ maxInstructions: machine.clock.icount + step });
    if (r.status !== 'limit') break;
  }
  const missing = conditions.filter((c) => !found.has(c.name)).map((c) => c.name);
  if (missing.length > 0) throw new Error(`xv6 points not reached by icount ${to}: ${missing.join(', ')}`);
  return conditions.map((c) => found.get(c.name)!);
}
