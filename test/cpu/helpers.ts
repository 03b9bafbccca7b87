/** A bare CPU + memory + bus + clock for the CPU unit tests, and small accessors. */
import { Bus } from '../../src/machine/bus.js';
import { Clock } from '../../src/machine/clock.js';
import { PhysicalMemory } from '../../src/machine/memory.js';
import { Cpu, RunExit } from '../../src/machine/cpu/cpu.js';

export const RES = 0x6000;
export const LOAD = 0x7c00;

export interface TestMachine {
  memory: PhysicalMemory;
  bus: Bus;
  clock: Clock;
  cpu: Cpu;
}

export function machine(size = 16 * 1024 * 1024): TestMachine {
  const memory = new PhysicalMemory(size);
  const bus = new Bus(memory);
  const clock = new Clock();
  const cpu = new Cpu(memory, bus, clock);
  return { memory, bus, clock, cpu };
}

/** A machine with `program` at 0x7C00, started there in real mode as a BIOS would. */
export function boot(program: Uint8Array): TestMachine {
  const m = machine();
  m.memory.writeBytes(LOAD, program);
  m.cpu.bootAt(0, LOAD, 0x80);
  return m;
}

/** Run until HLT (or a fault); throws if the instruction budget runs out. */
export function runToHalt(m: TestMachine, budget = 10_000_000): RunExit {
  const end = m.clock.icount + budget;
  for (;;) {
    const exit = m.cpu.run(end);
    if (exit === RunExit.HALTED || exit === RunExit.FAULT) return exit;
    if (m.clock.icount >= end) throw new Error(`no HLT within ${budget} instructions, at ${m.cpu.describeLocation()}`);
  }
}

export function read32(m: TestMachine, addr: number): number {
  const r = m.memory.ram;
  return (r[addr] | (r[addr + 1] << 8) | (r[addr + 2] << 16) | (r[addr + 3] << 24)) >>> 0;
}

export function read16(m: TestMachine, addr: number): number {
  return m.memory.ram[addr] | (m.memory.ram[addr + 1] << 8);
}

/** Offset of the first occurrence of `pattern` in `program` (to find an instruction's address). */
export function find(program: Uint8Array, pattern: number[]): number {
  outer: for (let i = 0; i + pattern.length <= program.length; i++) {
    for (let j = 0; j < pattern.length; j++) if (program[i + j] !== pattern[j]) continue outer;
    return i;
  }
  throw new Error(`pattern ${pattern.map((b) => b.toString(16)).join(' ')} not found`);
}

/**
 * A device for interrupt-timing tests: writing port 0xE0 raises INTR, 0xE1 lowers it, and
 * any read of the MMIO page at 0xA0000 raises INTR and returns 0. INTA answers vector 8.
 */
export function attachIntrDevice(m: TestMachine): void {
  const id = m.bus.registerDevice('intr-test');
  m.bus.mapPorts(id, 0xe0, 2, {
    sizes: 1 | 2 | 4,
    read: () => 0,
    write: (port) => m.cpu.setIntrLine(port === 0xe0),
  });
  m.bus.mapMmio(id, 0xa0000, 0x1000, {
    sizes: 1 | 2 | 4,
    read: () => {
      m.cpu.setIntrLine(true);
      return 0;
    },
    write: () => {},
  });
  m.cpu.interruptAcknowledge = () => 0x08;
}
