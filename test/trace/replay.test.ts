import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { replayTrace } from '../../src/trace/replay.js';
import { bootMachine, openSharedDisk, traceHeaderFor } from '../../src/trace/run-setup.js';
import { MachineRecorder, recordBoot, recordTrace } from '../../src/trace/session.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { dirHashes, tempDir } from './helpers.js';
import { guestNames, shortRun, tamperCheckpoint, tamperRecord } from './guest-runs.js';

describe('replay', () => {
  it.for(guestNames())('%s: the replay of its recording matches record for record', { timeout: 120_000 }, async (name) => {
    const dir = path.join(tempDir('replay'), name);
    const { setup, until } = shortRun(name);
    const recorded = await recordBoot(dir, setup, { until, writer: { checkpointInterval: 1_000_000 } });
    const before = dirHashes(dir);
    const r = await replayTrace(dir);
    expect(r.mismatch).toBeNull();
    expect(r).toMatchObject({ complete: true, traceRecords: recorded.records, recordsChecked: recorded.records, status: recorded.status });
    expect(r.checkpointsChecked).toBe(recorded.checkpoints);
    expect(dirHashes(dir)).toEqual(before);
  });

  it('finds a recorded value that was changed, and names the record on both sides', async () => {
    const dir = path.join(tempDir('tamper'), 't');
    const { setup } = shortRun('hello');
    await recordBoot(dir, setup);
    // The third character the guest writes to the serial port, as a different letter.
    let writes = 0;
    const { before, after } = await tamperRecord(
      dir,
      (r) => r.kind === 'pio' && r.dir === 1 && r.addr === 0x3f8 && ++writes === 3,
      (r) => ({ ...r, value: r.kind === 'pio' ? r.value ^ 0x20 : 0 }),
    );
    const r = await replayTrace(dir);
    expect(r.mismatch).not.toBeNull();
    expect(r.mismatch).toMatchObject({ what: 'record', seq: before.seq, icount: before.icount, expected: after, actual: before });
    expect(r.mismatch!.message).toMatch(/^the records differ: the trace has icount \d+: pio write port 0x3f8 = 0x\w+ \(uart\); the replay has/);
    expect(r.recordsChecked).toBe(before.seq);
  });

  it('finds a checkpoint whose CPU state was changed', async () => {
    const dir = path.join(tempDir('tamper-cp'), 't');
    const { setup, until } = shortRun('timer');
    await recordBoot(dir, setup, { until: until ?? 5_000_000, writer: { checkpointInterval: 1_000_000 } });
    await tamperCheckpoint(dir, 2, (cpu) => {
      cpu.eax = ((cpu.eax as number) + 1) >>> 0;
    });
    const r = await replayTrace(dir);
    expect(r.mismatch).toMatchObject({ what: 'checkpoint', icount: 2_000_000 });
    expect(r.mismatch!.message).toBe('checkpoint at icount 2000000: CPU state differs (eax)');
  });

  it('checks an incomplete recording up to its last committed record', async () => {
    const dir = path.join(tempDir('partial'), 't');
    const { setup } = shortRun('timer');
    const machine = bootMachine(setup);
    const writer = await TraceWriter.create(dir, traceHeaderFor(setup, machine), { icount: () => machine.clock.icount, checkpointInterval: 1_000_000 });
    const recorder = new MachineRecorder(machine, writer);
    await recorder.run({ until: 3_500_000, finalCheckpoint: false });
    await writer.abandon(); // as a killed recording leaves it: no end marker
    const r = await replayTrace(dir);
    expect(r.mismatch).toBeNull();
    expect(r.complete).toBe(false);
    expect(r.recordsChecked).toBe(r.traceRecords);
    expect(r.traceRecords).toBe(writer.recordCount);
  });

  it('replays a run on a shared disk file, which neither the recording nor the replay changes; a changed file is refused', async () => {
    const base = tempDir('disk');
    const file = path.join(base, 'disk.img');
    const { setup } = shortRun('disk');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(setup.image), Buffer.alloc(64 * 1024)]));
    const sha = createHash('sha256').update(fs.readFileSync(file)).digest('hex');
    const disk = openSharedDisk(file);
    const dir = path.join(base, 't');
    const recorded = await recordBoot(dir, { ...setup, disk });
    disk.close();
    expect(recorded).toMatchObject({ status: 'exited', exitStatus: 1 });
    const r = await replayTrace(dir);
    expect(r.mismatch).toBeNull();
    expect(r.recordsChecked).toBe(recorded.records);
    expect(createHash('sha256').update(fs.readFileSync(file)).digest('hex')).toBe(sha);
    fs.appendFileSync(file, Buffer.alloc(512, 1));
    const err = (await replayTrace(dir).catch((e: unknown) => e)) as InputError;
    expect(err.code).toBe('DISK_CHANGED');
    expect(err.message).toMatch(/^disk image .*disk\.img is not the one recorded in/);
  });

  it('records a slave disk\'s identity in the header; replay opens the same image and refuses a different one', async () => {
    const base = tempDir('slave');
    const file = path.join(base, 'slave.img');
    fs.writeFileSync(file, Buffer.alloc(64 * 1024, 0x5a));
    const { setup } = shortRun('disk');
    const slaveDisk = openSharedDisk(file);
    const dir = path.join(base, 't');
    const recorded = await recordBoot(dir, { ...setup, slaveDisk });
    slaveDisk.close();
    const r = await replayTrace(dir);
    expect(r.mismatch).toBeNull();
    expect(r.recordsChecked).toBe(recorded.records);
    const other = path.join(base, 'other.img');
    fs.writeFileSync(other, Buffer.alloc(64 * 1024, 0x5b));
    const err = (await replayTrace(dir, { slaveDisk: other }).catch((e: unknown) => e)) as InputError;
    expect(err.code).toBe('DISK_CHANGED');
    expect(err.message).toMatch(/^slave disk image .*other\.img is not the one recorded in/);
  });

  it('replays a recording that was interrupted (Ctrl-C): it ends where it was stopped', async () => {
    const dir = path.join(tempDir('aborted'), 't');
    const { setup } = shortRun('timer');
    const stop = new AbortController();
    const recorded = await recordBoot(dir, setup, {
      sliceInstructions: 1_000_000,
      signal: stop.signal,
      onProgress: (p) => {
        if (p.icount >= 3_000_000) stop.abort();
      },
    });
    expect(recorded).toMatchObject({ status: 'aborted', icount: 3_000_000, message: 'recording interrupted at icount 3000000' });
    const r = await replayTrace(dir);
    expect(r.mismatch).toBeNull();
    expect(r).toMatchObject({ complete: true, status: 'limit', icount: 3_000_000, recordsChecked: recorded.records });
  });

  it('refuses a trace that starts at a switch-over', async () => {
    const { setup } = shortRun('hello');
    const machine = bootMachine(setup);
    machine.run({ maxInstructions: 10_000 });
    const dir = path.join(tempDir('dest'), 't');
    await recordTrace(dir, machine, { header: traceHeaderFor(setup, machine), until: 20_000 });
    const err = await replayTrace(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe('TRACE_NOT_REPLAYABLE');
    expect((err as InputError).message).toMatch(/starts at icount 10000 \(a migration destination\)/);
  });
});
