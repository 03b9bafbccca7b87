import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportTrace } from '../../src/trace/export.js';
import { TraceReader } from '../../src/trace/reader.js';
import { bootMachine, decodeInputScript, encodeInputScript, traceHeaderFor } from '../../src/trace/run-setup.js';
import { MachineRecorder, recordBoot, recordTrace } from '../../src/trace/session.js';
import { DeviceTransitionTracker } from '../../src/trace/transitions.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { captureMachineSnapshot, restoreMachineSnapshot } from '../../src/trace/machine-snapshot.js';
import { collect, tempDir } from './helpers.js';
import { hashInputEvents } from '../../src/devices/input-script.js';
import { guestNames, shortRun } from './guest-runs.js';

describe('recording a machine run', () => {
  it('the same guest and inputs recorded twice give byte-identical export files, however the run is sliced', async () => {
    const base = tempDir('twice');
    const { setup, until } = shortRun('serial-echo');
    const exports: Buffer[] = [];
    for (const [i, slice] of [2_000_000, 2_000_000, 77_777].entries()) {
      const dir = path.join(base, `t${i}`);
      await recordBoot(dir, setup, { until, sliceInstructions: slice, writer: { checkpointInterval: 1_000_000 } });
      await exportTrace(dir, `${dir}.mtx`);
      exports.push(fs.readFileSync(`${dir}.mtx`));
    }
    expect(exports[0].length).toBeGreaterThan(1000);
    expect(exports[1].equals(exports[0])).toBe(true);
    expect(exports[2].equals(exports[0])).toBe(true);
  });

  it('records every kind a guest produces, with the run configuration and blobs to re-run it', async () => {
    const dir = path.join(tempDir('kinds'), 't');
    const { setup, until } = shortRun('net-echo');
    const summary = await recordBoot(dir, setup, { until, writer: { checkpointInterval: 1_000_000 } });
    expect(summary.status).toBe('limit');
    for (const kind of ['pio', 'mmio', 'dma', 'transition', 'interrupt', 'input', 'output', 'checkpoint'] as const) {
      expect(summary.recordsByKind[kind], kind).toBeGreaterThan(0);
    }
    const r = await TraceReader.open(dir);
    try {
      expect(r.status).toMatchObject({ complete: true, runStatus: 'limit', recordCount: summary.records, finalIcount: until });
      expect(r.header.run).toMatchObject({ guestLabel: 'net-echo', guestArgsSet: false, inputEvents: setup.input!.events.length });
      expect(r.header.inputScriptSha256).toBe(setup.input!.hash);
      const script = decodeInputScript((await r.blob('input-script'))!, 'blob');
      expect(script.hash).toBe(setup.input!.hash);
      expect(Buffer.from(encodeInputScript(script.events)).equals(Buffer.from((await r.blob('input-script'))!))).toBe(true);
      // Checkpoints at the interval from the first icount, and one where the run stopped.
      const cps = await collect(r.checkpoints());
      expect(cps.map((c) => c.icount)).toEqual([0, 1e6, 2e6, 3e6, 4e6]);
      // Inputs are recorded at the icount the script gives.
      const inputs = await collect(r.records({ kinds: ['input'] }));
      expect(inputs[0].icount).toBe(setup.input!.events[0].icount);
    } finally {
      await r.close();
    }
  });

  it("an input script's canonical bytes hash to the script's hash, icounts past 2^32 included", () => {
    const events = [
      { icount: 5, target: 'serial' as const, data: Uint8Array.of(0x61) },
      { icount: 0x1_2345_6789, target: 'nic' as const, data: new Uint8Array(60).fill(7) },
      { icount: 2 ** 52 + 3, target: 'keyboard' as const, data: Uint8Array.of(0x1e, 0x9e) },
    ];
    const bytes = encodeInputScript(events);
    const back = decodeInputScript(bytes, 'test');
    expect(back.events).toEqual(events);
    expect(back.hash).toBe(hashInputEvents(events));
    expect(encodeInputScript(events)).toBe(bytes); // encoded once per script
  });

  /**
   * Where the completeness check stops: a full comparison after every step is slow, so 2 M
   * instructions, or past the first inputs where a guest has them.
   */
  const COMPLETENESS_UNTIL: Record<string, number> = { 'net-echo': 3_500_000, 'serial-echo': 6_000_000 };

  it.for(guestNames())('%s: every device is checked after every step that can change it (a full comparison after each step finds nothing missed)', { timeout: 180_000 }, async (name) => {
    {
      const run = shortRun(name);
      const setup = run.setup;
      const until = Math.min(COMPLETENESS_UNTIL[name] ?? 2_000_000, run.until ?? Infinity);
      const machine = bootMachine(setup);
      const dir = path.join(tempDir('complete'), name);
      const writer = await TraceWriter.create(dir, traceHeaderFor(setup, machine), { icount: () => machine.clock.icount });
      let emitted = 0;
      const transition = writer.transition.bind(writer);
      writer.transition = (...a) => {
        emitted++;
        transition(...a);
      };
      const recorder = new MachineRecorder(machine, writer);
      recorder.attach();
      // A second tracker compares every device after each step (access, device event, INTA), after the recorder's hooks.
      let seen = 0;
      const full = new DeviceTransitionTracker(machine.devices, { transition: () => void seen++ }, { marks: false });
      const missed: string[] = [];
      const step = (what: string) => {
        full.checkAll();
        if (seen !== emitted) missed.push(`${what} at icount ${machine.clock.icount}: ${seen} changes, ${emitted} recorded`);
        seen = emitted = 0;
      };
      machine.bus.addObserver({ access: (_s, _d, addr, _z, _v, device) => step(`access to ${addr.toString(16)} (device ${device})`), dma: () => {} });
      const afterEvent = machine.afterDeviceEvent!;
      machine.afterDeviceEvent = (id, changed) => {
        afterEvent(id, changed);
        step(`timer event of device ${id}`);
      };
      const interrupts = machine.interrupts.observer!;
      machine.interrupts.observer = {
        line: (irq, level) => interrupts.line(irq, level),
        acknowledged: (vector) => {
          interrupts.acknowledged(vector);
          step(`INTA vector ${vector}`);
        },
      };
      await recorder.run({ until });
      await writer.close({ status: 'limit' });
      expect(missed.slice(0, 5), name).toEqual([]);
    }
  });

  it("a fresh boot's first checkpoint hashes only the boot image's pages, and gets the same memory root as a scan of all memory", async () => {
    const base = tempDir('first');
    const { setup } = shortRun('hello');
    const roots: string[] = [];
    for (const hinted of [true, false]) {
      const machine = bootMachine(setup);
      const dir = path.join(base, String(hinted));
      await recordTrace(dir, machine, {
        header: traceHeaderFor(setup, machine),
        until: 0,
        firstPages: hinted ? machine.loadedPages() : undefined,
      });
      const r = await TraceReader.open(dir);
      const cp = (await r.checkpointAt(0))!;
      roots.push(cp.root);
      expect(cp.changedPages.length).toBeGreaterThan(0);
      await r.close();
    }
    expect(roots[0]).toBe(roots[1]);
  });

  it('records a machine restored at a switch-over icount, with events written before its first instruction', async () => {
    const { setup } = shortRun('timer');
    const source = bootMachine(setup);
    source.run({ maxInstructions: 1_234_567 });
    const destination = bootMachine(setup);
    restoreMachineSnapshot(destination, captureMachineSnapshot(source));
    const dir = path.join(tempDir('dest'), 't');
    const summary = await recordTrace(dir, destination, {
      header: traceHeaderFor(setup, destination),
      writer: { checkpointInterval: 1_000_000 },
      until: 3_000_000,
      start: (w) => w.event({ type: 'migration', phase: 'switch-over', detail: 'test' }),
    });
    expect(summary.firstIcount).toBe(1_234_567);
    const r = await TraceReader.open(dir);
    try {
      expect(r.header.firstIcount).toBe(1_234_567);
      const first = await collect(r.records({ toIcount: 1_234_567 }));
      expect(first[0]).toMatchObject({ seq: 0, icount: 1_234_567, kind: 'migration', phase: 'switch-over' });
      // The first at the switch-over, then on the interval's grid, where the reference has its own.
      expect((await collect(r.checkpoints())).map((c) => c.icount)).toEqual([1_234_567, 2_000_000, 3_000_000]);
    } finally {
      await r.close();
    }
  });
});
