import { describe, expect, it } from 'vitest';
import { RunExit, type CpuState } from '../../src/machine/cpu/cpu.js';
import { CPU_FIELDS, CPU_SCHEMA, cpuSnapshot, cpuStateFromSnapshot, decodeCpuState, encodeCpuState } from '../../src/machine/cpu/state.js';
import { StateEncodingError, clampToWidth, validateSnapshot } from '../../src/machine/state-schema.js';
import { attachIntrDevice, boot, machine, read32, RES, runToHalt, type TestMachine } from './helpers.js';
import { realInterrupts, workload } from './programs.js';

/** A fresh machine holding a copy of `m`'s RAM and CPU state (through JSON, as a migration stream would). */
function migrate(m: TestMachine, withDevice = false): TestMachine {
  const state = JSON.parse(JSON.stringify(m.cpu.getState())) as CpuState;
  const dest = machine(m.memory.size);
  if (withDevice) attachIntrDevice(dest);
  dest.memory.ram.set(m.memory.ram);
  dest.clock.icount = m.clock.icount;
  dest.cpu.setState(state);
  // The INTR pin belongs to the interrupt controller, which re-drives it after its restore.
  dest.cpu.setIntrLine(m.cpu.intrLine);
  return dest;
}

function expectSameMachine(a: TestMachine, b: TestMachine): void {
  expect(b.cpu.getState()).toEqual(a.cpu.getState());
  expect(b.clock.icount).toBe(a.clock.icount);
  expect(Buffer.compare(Buffer.from(a.memory.ram.buffer), Buffer.from(b.memory.ram.buffer))).toBe(0);
}

describe('CPU state capture', () => {
  it('is a plain JSON object that survives a round trip', () => {
    const m = boot(workload);
    m.cpu.run(5000);
    const s = m.cpu.getState();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    m.cpu.setState(s);
    expect(m.cpu.getState()).toEqual(s);
  });

  it('a CPU restored mid-run (mid-REP included) continues bit-identically', () => {
    const reference = boot(workload);
    expect(runToHalt(reference)).toBe(RunExit.HALTED);
    expect(read32(reference, RES)).not.toBe(0);
    for (const at of [1, 20, 30, 1000, 4100, 6000, 20_000, 150_000]) {
      const source = boot(workload);
      source.cpu.run(at);
      expect(source.clock.icount).toBe(at);
      const dest = migrate(source);
      expect(runToHalt(dest)).toBe(RunExit.HALTED);
      expectSameMachine(reference, dest);
    }
  });

  it('the result does not depend on how run() slices time', () => {
    const whole = boot(workload);
    runToHalt(whole);
    const sliced = boot(workload);
    const steps = [1, 2, 3, 7, 13, 64, 999, 4097];
    for (let i = 0; ; i++) {
      const exit = sliced.cpu.run(sliced.clock.icount + steps[i % steps.length]);
      if (exit === RunExit.HALTED) break;
    }
    expectSameMachine(whole, sliced);
  });

  it('carries the interrupt shadow and halted state: restoring at any boundary changes nothing', () => {
    const reference = boot(realInterrupts);
    attachIntrDevice(reference);
    runToHalt(reference);
    const total = reference.clock.icount;
    for (let at = 1; at < total; at++) {
      const source = boot(realInterrupts);
      attachIntrDevice(source);
      source.cpu.run(at);
      const dest = migrate(source, true);
      runToHalt(dest);
      expectSameMachine(reference, dest);
    }
  });
});

/** Every leaf of a CpuState as "cs.base" (what a schema field's `at` names). */
function leaves(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object') return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, prefix === '' ? k : `${prefix}.${k}`));
}

describe('the CPU state schema', () => {
  it('declares every CpuState field exactly once (a register added to CpuState without a declaration fails here)', () => {
    const m = boot(workload);
    m.cpu.run(3000);
    const declared = CPU_FIELDS.map((f) => f.at.join('.'));
    expect(new Set(declared).size).toBe(declared.length);
    expect(new Set(CPU_FIELDS.map((f) => f.name)).size).toBe(CPU_FIELDS.length);
    expect([...declared].sort()).toEqual(leaves(m.cpu.getState()).sort());
    for (const f of CPU_FIELDS) {
      expect(f.doc, f.name).not.toBe('');
      expect(['config', 'processing'], `${f.name}: every CPU field is essential`).toContain(f.role);
    }
  });

  it('captures a snapshot the schema validates, in the fields\' widths', () => {
    const m = boot(realInterrupts);
    attachIntrDevice(m);
    for (const at of [1, 500, 5000]) {
      m.cpu.run(at);
      const snap = cpuSnapshot(m.cpu.getState());
      expect(validateSnapshot(CPU_SCHEMA, snap)).toEqual([]);
      expect(cpuStateFromSnapshot(snap)).toEqual(m.cpu.getState());
    }
  });

  it('round-trips exactly through the binary state encoding, extreme values included', () => {
    const m = boot(workload);
    m.cpu.run(4100);
    const s = m.cpu.getState();
    const values = encodeCpuState(s);
    expect(values).toHaveLength(CPU_FIELDS.length);
    expect(decodeCpuState(values, 'test')).toEqual(s);
    // Every field at its largest value.
    const max = cpuStateFromSnapshot(Object.fromEntries(CPU_FIELDS.map((f) => [f.name, clampToWidth(f, 2 ** 32 - 1)])));
    expect(decodeCpuState(encodeCpuState(max), 'test')).toEqual(max);
    expect(max.interruptShadow).toBe(true);
    expect(max.cs.selector).toBe(0xffff);
  });

  it('refuses a value list that does not match the schema, naming the container', () => {
    const values = encodeCpuState(boot(workload).cpu.getState());
    const last = CPU_FIELDS[CPU_FIELDS.length - 1].name;
    expect(() => decodeCpuState(values.slice(0, -1), 'checkpoint 3')).toThrow(`checkpoint 3: cpu state ends at ${last}`);
    expect(() => decodeCpuState([...values, 0], 'checkpoint 3')).toThrow(StateEncodingError);
    const wide = values.slice();
    wide[CPU_FIELDS.findIndex((f) => f.name === 'cs.selector')] = 0x10000;
    expect(() => decodeCpuState(wide, 'x')).toThrow(/cpu\.cs\.selector: 65536 is not a 16-bit value/);
  });
});
