/**
 * A bare CPU on 4 MiB of RAM, a bus and a clock, for running short pieces of guest code with the
 * compiler and with the interpreter alone and comparing them (compiler.test.ts, poll-loop.test.ts,
 * poll-path.test.ts), and a device on ports 0x60-0x61 that is busy for a while after each write.
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import { Bus } from '../../src/machine/bus.js';
import { Clock } from '../../src/machine/clock.js';
import { PhysicalMemory } from '../../src/machine/memory.js';
import { Cpu, RunExit, type CpuState } from '../../src/machine/cpu/cpu.js';
import type { Machine } from '../../src/board/machine.js';

/** Where the code goes, and EIP starts. */
export const CODE_AT = 0x1000;

export interface Rig {
  cpu: Cpu;
  memory: PhysicalMemory;
  clock: Clock;
  bus: Bus;
}

/** compiler: 'eager' compiles a block the second time it starts, so the short loops here run compiled. */
export function rig(compiler: boolean, code: Uint8Array, flat: boolean): Rig {
  const memory = new PhysicalMemory(4 * 1024 * 1024);
  const bus = new Bus(memory);
  const clock = new Clock();
  const cpu = new Cpu(memory, bus, clock);
  cpu.setCompiler(compiler ? 'eager' : 'off');
  memory.writeBytes(CODE_AT, code);
  const s = cpu.getState();
  if (flat) {
    s.cr0 |= 1;
    s.cs = { selector: 0x08, base: 0, limit: 0xffffffff, attributes: 0xc09b };
    s.ds = s.es = s.ss = s.fs = s.gs = { selector: 0x10, base: 0, limit: 0xffffffff, attributes: 0xc093 };
    s.esp = 0x80000;
  } else {
    s.cs = { ...s.cs, selector: 0, base: 0 };
    s.esp = 0x8000;
  }
  s.eip = CODE_AT;
  cpu.setState(s);
  return { cpu, memory, clock, bus };
}

/** Run to `until` (or a stop), as the machine does: one run() call per deadline, and the timers due there. */
export function runTo(r: Rig, until: number): RunExit {
  let exit: RunExit = RunExit.REACHED;
  while (r.clock.icount < until) {
    exit = r.cpu.run(until);
    if (exit !== RunExit.REACHED) break;
    r.clock.runDue();
  }
  return exit;
}

/**
 * `to` takes `from`'s memory, instruction count and CPU state, as a migration's destination
 * would (its compiler starts empty); the pages written are then none. Devices are the caller's.
 */
export function restoreInto(to: Rig, from: Rig): Rig {
  to.memory.writeBytes(0, from.memory.ram);
  to.clock.icount = from.clock.icount;
  to.cpu.setState(from.cpu.getState());
  to.memory.dirty.takeAndClear();
  return to;
}

/** Registers and instruction count, and a digest of RAM (a deep compare of 4 MiB is slow in expect). */
export function snapshot(r: Rig): { state: CpuState; ram: string; dirty: string; icount: number } {
  return {
    state: r.cpu.getState(),
    ram: createHash('sha256').update(r.memory.ram).digest('hex'),
    dirty: createHash('sha256').update(r.memory.dirty.bytes).digest('hex'),
    icount: r.clock.icount,
  };
}

export interface Port {
  r: Rig;
  /** Every access the bus's observer saw, with its count. */
  log: string[];
  /** Calls of the device's read(). */
  reads: number;
  /** The device's state (characters sent, ready, instructions until ready), to carry it to another rig. */
  save(): PortState;
  load(s: PortState): void;
}

export interface PortState {
  readonly sent: number;
  readonly ready: boolean;
  /** Instructions until the character sent is out, or -1. */
  readonly remaining: number;
}

/**
 * The rig with a device on ports 0x60 (data) and 0x61 (status: 0x20 when ready, with the count
 * of characters sent in the low bits). A character keeps it busy for 300 + 37 × (its number mod 7)
 * instructions, a timer. `stable`: the device implements stableRead; `counts` false: the status
 * is 0x20 or 0 alone.
 */
export function withPort(compiler: boolean, code: Uint8Array, stable: boolean, counts = true): Port {
  const r = rig(compiler, code, true);
  let sent = 0;
  let ready = true;
  const done = r.clock.createTimer('sent', () => {
    ready = true;
  });
  const x: Port = {
    r,
    log: [],
    reads: 0,
    save: () => ({ sent, ready, remaining: done.remaining() }),
    load: (s) => {
      sent = s.sent;
      ready = s.ready;
      if (s.remaining >= 0) done.armIn(s.remaining);
      else done.cancel();
    },
  };
  const status = (): number => (ready ? 0x20 : 0) | (counts ? sent & 0x1f : 0);
  const device = r.bus.registerDevice('port');
  r.bus.mapPorts(device, 0x60, 2, {
    sizes: 1,
    read: (port) => {
      x.reads++;
      return port === 0x61 ? status() : 0xff;
    },
    write: () => {
      sent++;
      ready = false;
      done.armIn(300 + 37 * (sent % 7));
    },
    ...(stable ? { stableRead: (port: number) => (port === 0x61 ? status() : -1) } : {}),
  });
  r.bus.addObserver({
    access: (space, dir, addr, size, value, dev) => x.log.push(`${space} ${dir} ${addr} ${size} ${value} ${dev} @${r.clock.icount}`),
    dma: () => {},
  });
  return x;
}

/** `code` compiled and interpreted to its HLT: the same state and the same accesses at the same counts. */
export function bothToHalt(code: Uint8Array, stable: boolean): { on: Port; off: Port } {
  const on = withPort(true, code, stable);
  const off = withPort(false, code, stable);
  expect(runTo(on.r, 1_000_000)).toBe(RunExit.HALTED);
  expect(runTo(off.r, 1_000_000)).toBe(RunExit.HALTED);
  expect(snapshot(on.r)).toEqual(snapshot(off.r));
  expect(on.log).toEqual(off.log);
  return { on, off };
}

/** Counts, on a machine, the guest's reads of the UART's LSR (its bus accesses) and the UART's own read() calls. */
export function countUartReads(m: Machine): { lsrReads: () => number; uartReads: () => number } {
  const uart = m.board.uart;
  const read = uart.read.bind(uart);
  let uartReads = 0;
  uart.read = (port: number) => {
    uartReads++;
    return read(port);
  };
  let lsrReads = 0;
  m.bus.addObserver({
    access: (space, dir, addr) => {
      if (space === 0 && dir === 0 && addr === 0x3fd) lsrReads++;
    },
    dma: () => {},
  });
  return { lsrReads: () => lsrReads, uartReads: () => uartReads };
}
