/**
 * The 16550A's THR-empty interrupt indication (PC16550D 8.6.4, Table IV) across a migration.
 * It is internal and cannot be read with ETBEI off (enabling ETBEI to look sets it), so the
 * shadow follows it from the guest's own accesses (shadow.ts). Was taken as LSR.THRE whenever
 * IIR did not show it: a guest that had initialised COM1 but not yet sent a byte (indication
 * clear since power-on, THR empty) diverged on `uart.thr_ipending` after any migration.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveImage } from '../../src/guests/catalog.js';
import { recordBoot } from '../../src/trace/session.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { migrationOptions } from '../../src/migration/options.js';
import { verifyTraces } from '../../verify/verify.js';
import type { Machine } from '../../src/board/machine.js';
import { bootWithHypervisor, essential, findIcount, migrate, type GuestSetup } from './helpers.js';

const THRE = 0x20;
const ETBEI = 0x02;

function uart(m: Machine): Record<string, number> {
  return m.board.uart.oracle().state as unknown as Record<string, number>;
}

function migrateAt(setup: GuestSetup, at: number) {
  const { machine, hv } = bootWithHypervisor(setup);
  machine.run({ maxInstructions: at });
  const before = uart(machine);
  const m = migrate(machine, hv, setup);
  const captured = m.capture.devices.find((d) => d.device === 'uart')!.fields;
  return { before, m, captured };
}

describe('16550A THR-empty indication', () => {
  const memtouch: GuestSetup = { guest: 'memtouch', args: 'mb=2 passes=2' };
  const echo: GuestSetup = { guest: 'serial-echo', input: 'serial-echo.input' };

  it('clear since power-on with THR empty and ETBEI off (COM1 set up, nothing sent yet): captured as clear, without a note', () => {
    const { before, m, captured } = migrateAt(memtouch, 5000);
    expect(before.ier & ETBEI).toBe(0);
    expect(before.lsr & THRE).toBe(THRE);
    expect(before.thr_ipending).toBe(0);
    expect(captured.thr_ipending).toBe(0);
    expect(essential(m.diffs)).toEqual([]);
    expect(m.notes.join('\n')).not.toMatch(/THR-empty/);
  });

  it('set by a polled byte leaving THR with ETBEI off: captured as set', () => {
    const at = findIcount(memtouch, (mc) => uart(mc).thr_ipending === 1 && (uart(mc).ier & ETBEI) === 0);
    expect(at).toBeGreaterThan(0);
    const { before, m, captured } = migrateAt(memtouch, at);
    expect(before.thr_ipending).toBe(1);
    expect(captured.thr_ipending).toBe(1);
    expect(essential(m.diffs)).toEqual([]);
  });

  /** memtouch at icount 5000 (COM1 initialised, ETBEI off, nothing sent), then the given guest accesses. */
  function afterGuestAccesses(steps: (m: Machine) => void) {
    const { machine, hv } = bootWithHypervisor(memtouch);
    machine.run({ maxInstructions: 5000 });
    steps(machine);
    const before = uart(machine);
    const m = migrate(machine, hv, memtouch);
    const captured = m.capture.devices.find((d) => d.device === 'uart')!.fields;
    return { before, m, captured };
  }
  const COM1 = 0x3f8;
  const CHAR = 10_000; // more than one character time at the guest's divisor

  it('retired by an IIR read that reported it, then ETBEI turned off: captured as clear', () => {
    const { before, m, captured } = afterGuestAccesses((mc) => {
      mc.bus.pioWrite(COM1 + 1, 1, ETBEI); // THR empty: the indication is raised at once
      expect(mc.bus.pioRead(COM1 + 2, 1) & 0x0f).toBe(0x02); // reported, so retired
      mc.bus.pioWrite(COM1 + 1, 1, 0);
    });
    expect(before.thr_ipending).toBe(0);
    expect(before.lsr & THRE).toBe(THRE);
    expect(captured.thr_ipending).toBe(0);
    expect(essential(m.diffs)).toEqual([]);
  });

  it('raised by enabling ETBEI with THR empty, then ETBEI turned off without an IIR read: captured as set', () => {
    const { before, m, captured } = afterGuestAccesses((mc) => {
      mc.bus.pioWrite(COM1 + 1, 1, ETBEI);
      mc.bus.pioWrite(COM1 + 1, 1, 0);
    });
    expect(before.thr_ipending).toBe(1);
    expect(captured.thr_ipending).toBe(1);
    expect(essential(m.diffs)).toEqual([]);
  });

  it('an IIR read while ETBEI is off does not retire it (IIR cannot report it), and takes no VM exit', () => {
    const { machine, hv } = bootWithHypervisor(memtouch);
    machine.run({ maxInstructions: 5000 });
    machine.bus.pioWrite(COM1 + 1, 1, ETBEI);
    machine.bus.pioWrite(COM1 + 1, 1, 0);
    const exits = hv.exits().uart ?? 0;
    machine.bus.pioRead(COM1 + 2, 1);
    expect(hv.exits().uart ?? 0).toBe(exits);
    expect(hv.interceptPolicy().ports).toContain('0x3faw');
    machine.bus.pioWrite(COM1 + 1, 1, ETBEI | 1);
    expect(hv.interceptPolicy().ports).toContain('0x3farw');
    machine.bus.pioWrite(COM1 + 1, 1, 0);
    const m = migrate(machine, hv, memtouch);
    expect(m.capture.devices.find((d) => d.device === 'uart')!.fields.thr_ipending).toBe(1);
    expect(essential(m.diffs)).toEqual([]);
  });

  it('a THR write retires it and the byte leaving THR raises it again; a TX FIFO reset of queued bytes raises it', () => {
    const sent = afterGuestAccesses((mc) => {
      mc.bus.pioWrite(COM1 + 2, 1, 0x01); // FIFOs on
      for (const b of [0x41, 0x42, 0x43]) mc.bus.pioWrite(COM1, 1, b);
      expect(uart(mc).thr_ipending).toBe(0); // bytes still queued behind the shift register
    });
    expect(sent.captured.thr_ipending).toBe(sent.before.thr_ipending);
    expect(essential(sent.m.diffs)).toEqual([]);
    const drained = afterGuestAccesses((mc) => {
      mc.bus.pioWrite(COM1 + 2, 1, 0x01);
      for (const b of [0x41, 0x42]) mc.bus.pioWrite(COM1, 1, b);
      mc.advancePaused(3 * CHAR);
    });
    expect(drained.before.thr_ipending).toBe(1);
    expect(drained.captured.thr_ipending).toBe(1);
    const reset = afterGuestAccesses((mc) => {
      mc.bus.pioWrite(COM1 + 2, 1, 0x01);
      for (const b of [0x41, 0x42, 0x43]) mc.bus.pioWrite(COM1, 1, b);
      mc.bus.pioWrite(COM1 + 2, 1, 0x05); // TX FIFO reset with bytes in it
    });
    expect(reset.before.thr_ipending).toBe(1);
    expect(reset.captured.thr_ipending).toBe(1);
    expect(essential(reset.m.diffs)).toEqual([]);
  });

  describe('end to end', () => {
    const dirs: string[] = [];
    afterAll(() => {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
    });

    it('memtouch mb=2 passes=2 migrated post-copy at icount 5000 verifies MATCH (was a divergence on uart.thr_ipending)', async () => {
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-uart-thr-'));
      dirs.push(tmp);
      const image = resolveImage('memtouch');
      const refDir = path.join(tmp, 'ref');
      const dstDir = path.join(tmp, 'dst');
      await recordBoot(refDir, { label: 'memtouch', image: image.bytes, args: 'mb=2 passes=2' });
      await migrateTraceInProcess({ trace: refDir, at: 5000, out: dstDir, options: migrationOptions({ strategy: 'postcopy' }) });
      const report = await verifyTraces(refDir, dstDir);
      expect(report.verdict).toBe('match');
    }, 120_000);
  });
});
