/**
 * A bare CPU on 4 MiB of RAM, a bus and a clock, for running short pieces of guest code with the
 * compiler and with the interpreter alone and comparing them (compiler.test.ts, poll-loop.test.ts).
 */
import { createHash } from 'node:crypto';
import { Bus } from '../../src/machine/bus.js';
import { Clock } from '../../src/machine/clock.js';
import { PhysicalMemory } from '../../src/machine/memory.js';
import { Cpu, RunExit, type CpuState } from '../../src/machine/cpu/cpu.js';

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

/** Registers and instruction count, and a digest of RAM (a deep compare of 4 MiB is slow in expect). */
export function snapshot(r: Rig): { state: CpuState; ram: string; dirty: string; icount: number } {
  return {
    state: r.cpu.getState(),
    ram: createHash('sha256').update(r.memory.ram).digest('hex'),
    dirty: createHash('sha256').update(r.memory.dirty.bytes).digest('hex'),
    icount: r.clock.icount,
  };
}
