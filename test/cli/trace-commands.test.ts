import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Level } from 'level';
import { beforeAll, describe, expect, it } from 'vitest';
import { FORMAT_MAJOR, FORMAT_MINOR, headerKey } from '../../src/trace/format.js';
import { decode, encode, pb, type PbTraceHeader } from '../../src/trace/proto.js';
import { dirHashes, tempDir } from '../trace/helpers.js';
import { tamperRecord } from '../trace/guest-runs.js';
import { ROOT, migtrace } from './cli.js';

const SERIAL_INPUT = path.join(ROOT, 'guests', 'inputs', 'serial-echo.input');

/** One line on stderr, naming the problem; nothing on stdout; no stack trace. */
function expectOneLineError(r: { stdout: string; stderr: string; status: number }, status: number, pattern: RegExp): void {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^migtrace: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stdout).toBe('');
  expect(r.status).toBe(status);
}

function fileHash(file: string): string {
  return dirHashes(path.dirname(file))[path.basename(file)];
}

/**
 * A long `migtrace record` in the background, printing progress lines; `done` resolves once
 * one reports `records` or more. cpu-selftest makes records fast (one per ~3 instructions,
 * 14 M in all); the timer guest at 1 kHz for a million ticks records for minutes.
 */
function startLongRecording(dir: string, records: number, guest: string[] = ['cpu-selftest']): { done: Promise<void>; kill(): Promise<void> } {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'bin', 'run.js'), 'record', ...guest, '--progress', '--out', dir],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_NO_WARNINGS: '1' } },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let stderr = '';
  const done = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      for (const m of stderr.matchAll(/icount [\d.]+ [kMG]?, ([\d.]+) (k|M|G)? ?records/g)) {
        const n = Number(m[1]) * ({ k: 1e3, M: 1e6, G: 1e9 }[m[2] as 'k' | 'M' | 'G'] ?? 1);
        if (n >= records) resolve();
      }
    });
    void exited.then(() => reject(new Error(`record exited before ${records} records:\n${stderr}`)));
  });
  return {
    done,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('migtrace record, inspect, export, import, replay', () => {
  let base: string;
  let trace: string;

  beforeAll(() => {
    base = tempDir('cli-trace');
    trace = path.join(base, 'echo');
    const r = migtrace(['record', 'serial-echo', '--input', SERIAL_INPUT, '--until', '8e6', '--checkpoint-interval', '1e6', '--out', trace]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\[migtrace\] stopped at the instruction limit \(8000000\); trace written to /);
    expect(r.stdout).toMatch(/^ {2}instructions {3}8000000$/m);
    expect(r.stdout).toMatch(/^ {2}records {8}\d+ \(pio .*, input \d+, output .*, checkpoint 9\)$/m);
    expect(r.stdout).toMatch(/^ {2}bytes on disk {2}[\d.]+ \w+ \([\d.]+ B\/record\)$/m);
    expect(r.stdout).toMatch(/^ {2}records\/s {6}\S+/m);
  });

  it('the same guest and inputs recorded twice give byte-identical export files', () => {
    const again = path.join(base, 'echo-again');
    expect(migtrace(['record', 'serial-echo', '--input', SERIAL_INPUT, '--until', '8e6', '--checkpoint-interval', '1e6', '--out', again]).status).toBe(0);
    expect(migtrace(['export', trace, path.join(base, 'a.mtx')]).status).toBe(0);
    const r = migtrace(['export', again, path.join(base, 'b.mtx'), '--json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ trace: again, file: path.join(base, 'b.mtx'), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(fs.readFileSync(path.join(base, 'b.mtx')).equals(fs.readFileSync(path.join(base, 'a.mtx')))).toBe(true);
  });

  it('inspect shows the header and status, and filters records by kind, device, port range and icount range', () => {
    const before = dirHashes(trace);
    const r = migtrace(['inspect', trace, '--limit', '3']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^ {2}guest {8}serial-echo, image sha256 [0-9a-f]{16}…, args \(as built\)$/m);
    expect(r.stdout).toMatch(/^ {2}input {8}\d+ events, sha256 [0-9a-f]{16}…$/m);
    expect(r.stdout).toMatch(/^ {2}status {7}complete: limit at icount 8000000, \d+ records/m);
    expect(r.stdout).toMatch(/^records \(first 3; more match: raise --limit\):\n {2}seq 0 icount 0: checkpoint #0\n/m);
    expect(r.stdout).toMatch(/^ {2}machine {6}migtrace-pc v2, /m);

    const cps = migtrace(['inspect', trace, '--checkpoints', '--limit', '0']);
    expect(cps.status).toBe(0);
    expect(cps.stdout).toMatch(/^checkpoints \(9\):\n {2}#0 seq 0 icount 0: cs:eip [0-9a-f]{4}:[0-9a-f]{8}, \d+ pages changed, memory root [0-9a-f]{32}$/m);
    const cpJson = JSON.parse(migtrace(['inspect', trace, '--checkpoints', '--limit', '0', '--json']).stdout);
    expect(cpJson.checkpoints[1]).toMatchObject({ ordinal: 1, icount: 1_000_000, halted: expect.any(Boolean) });

    const inputs = JSON.parse(migtrace(['inspect', trace, '--kind', 'input', '--limit', '1000', '--json']).stdout);
    expect(inputs.records.length).toBeGreaterThan(0);
    expect(inputs.records.every((x: { kind: string; deviceName: string }) => x.kind === 'input' && x.deviceName === 'uart')).toBe(true);
    expect(inputs.more).toBe(false);

    const ports = JSON.parse(migtrace(['inspect', trace, '--port', '0x3f8-0x3f9', '--from', '5e6', '--to', '6e6', '--limit', '50', '--json']).stdout);
    expect(ports.records.length).toBeGreaterThan(0);
    for (const x of ports.records) {
      expect(x.kind).toBe('pio');
      expect(x.addr).toBeGreaterThanOrEqual(0x3f8);
      expect(x.addr).toBeLessThanOrEqual(0x3f9);
      expect(x.icount).toBeGreaterThanOrEqual(5e6);
      expect(x.icount).toBeLessThanOrEqual(6e6);
    }
    const pic = JSON.parse(migtrace(['inspect', trace, '--device', 'pic.master', '--kind', 'transition', '--limit', '5', '--json']).stdout);
    expect(pic.records.map((x: { deviceName: string }) => x.deviceName)).toEqual(Array(pic.records.length).fill('pic.master'));
    expect(dirHashes(trace)).toEqual(before);
  });

  it('export, import and replay: the imported trace replays with zero mismatches', () => {
    const file = path.join(base, 'echo.mtx');
    expect(migtrace(['export', trace, file]).stdout).toMatch(/^exported .* to .*echo\.mtx: [\d.]+ \w+, sha256 [0-9a-f]{64}\n$/);
    const copy = path.join(base, 'imported');
    const imp = migtrace(['import', file, copy]);
    expect(imp.stdout).toMatch(/^imported .*echo\.mtx into .*imported: \d+ records in \d+ chunks\n$/);
    const r = migtrace(['replay', copy]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^replay matches .*imported: \d+ records and 9 checkpoints, to icount 8000000 \(limit\)\n$/);
    expect(r.status).toBe(0);
    const json = JSON.parse(migtrace(['replay', trace, '--json']).stdout);
    expect(json).toMatchObject({ matches: true, mismatch: null, complete: true });
    expect(json.recordsChecked).toBe(json.traceRecords);
  });

  it('replay of a tampered trace exits 1 and prints the first mismatch', async () => {
    const copy = path.join(base, 'tampered');
    expect(migtrace(['import', path.join(base, 'a.mtx'), copy]).status).toBe(0);
    const { before } = await tamperRecord(copy, (x) => x.kind === 'input', (x) => (x.kind === 'input' ? { ...x, data: Uint8Array.of(x.data[0] ^ 1) } : x));
    const r = migtrace(['replay', copy]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^replay differs from .*tampered at seq ${before.seq} \\(icount ${before.icount}\\): the records differ`));
    expect(r.stdout).toMatch(/^ {2}trace: {2}seq \d+ icount \d+: input serial ".+" \(uart\)/m);
    expect(r.stdout).toMatch(/^ {2}replay: seq \d+ icount \d+: input serial ".+" \(uart\)/m);
  });

  it('a recording killed with SIGKILL: inspect reads the prefix and reports it incomplete; replay checks that prefix', async () => {
    const dir = path.join(tempDir('cli-kill'), 't');
    const rec = startLongRecording(dir, 3_000_000);
    await rec.done;
    await rec.kill();
    const before = dirHashes(dir);
    const r = migtrace(['inspect', dir, '--json', '--limit', '5']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status.complete).toBe(false);
    expect(out.status.lastSeq).toBeGreaterThan(100_000);
    expect(out.status.message).toMatch(/^trace ends at seq \d+ \(icount \d+\) without an end marker: incomplete recording$/);
    expect(out.records).toHaveLength(5);
    const text = migtrace(['inspect', dir, '--limit', '0']);
    expect(text.stdout).toMatch(/^ {2}status {7}INCOMPLETE: trace ends at seq \d+/m);
    const replay = migtrace(['replay', dir]);
    expect(replay.stdout).toMatch(/^replay matches .*: \d+ records .*\(the trace is incomplete: checked up to its last record, seq \d+\)$/m);
    expect(replay.status).toBe(0);
    expect(dirHashes(dir)).toEqual(before);
  });
});

describe('trace commands refuse bad input: one line, non-zero exit, nothing modified', () => {
  let base: string;
  let trace: string;
  let exported: string;

  beforeAll(() => {
    base = tempDir('cli-bad');
    trace = path.join(base, 'hello');
    exported = path.join(base, 'hello.mtx');
    expect(migtrace(['record', 'hello', '--out', trace]).status).toBe(0);
    expect(migtrace(['export', trace, exported]).status).toBe(0);
  });

  it('a directory that is not a trace, a file, a missing path', () => {
    const empty = path.join(base, 'empty');
    fs.mkdirSync(empty);
    expectOneLineError(migtrace(['inspect', empty]), 2, /is not a trace: no LevelDB database in it$/);
    expectOneLineError(migtrace(['replay', exported]), 2, /is not a trace: it is a file \(an exported trace\? use import\)$/);
    expectOneLineError(migtrace(['inspect', path.join(base, 'missing')]), 2, /no trace at .*missing: no such file or directory$/);
    expectOneLineError(migtrace(['export', empty, path.join(base, 'x.mtx')]), 2, /is not a trace/);
    expect(fs.readdirSync(empty)).toEqual([]);
    expect(fs.existsSync(path.join(base, 'x.mtx'))).toBe(false);
  });

  it('a trace of an unknown format version', async () => {
    const dir = path.join(base, 'newer');
    expect(migtrace(['import', exported, dir]).status).toBe(0);
    const db = new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
    const h = decode<PbTraceHeader>(pb.TraceHeader, (await db.get(headerKey()))!);
    await db.put(headerKey(), encode(pb.TraceHeader, { ...h, version: { major: FORMAT_MAJOR, minor: FORMAT_MINOR + 8 } }));
    await db.close();
    const before = dirHashes(dir);
    const version = new RegExp(`uses trace format ${FORMAT_MAJOR}\\.${FORMAT_MINOR + 8}, newer than the format this migtrace reads \\(${FORMAT_MAJOR}\\.${FORMAT_MINOR}\\)$`);
    for (const args of [['inspect', dir], ['replay', dir], ['export', dir, path.join(base, 'newer.mtx')]]) expectOneLineError(migtrace(args), 2, version);
    expect(dirHashes(dir)).toEqual(before);
    expect(fs.existsSync(path.join(base, 'newer.mtx'))).toBe(false);
  });

  it('a truncated export file', () => {
    const cut = path.join(base, 'cut.mtx');
    fs.writeFileSync(cut, fs.readFileSync(exported).subarray(0, 1000));
    const hash = fileHash(cut);
    expectOneLineError(migtrace(['import', cut, path.join(base, 'cut')]), 2, /is truncated/);
    expect(fileHash(cut)).toBe(hash);
    expect(fs.existsSync(path.join(base, 'cut'))).toBe(false);
  });

  it('an export file whose checksum does not match', () => {
    const bytes = Buffer.from(fs.readFileSync(exported));
    bytes[Math.floor(bytes.length / 2)] ^= 0x40;
    const bad = path.join(base, 'flipped.mtx');
    fs.writeFileSync(bad, bytes);
    const hash = fileHash(bad);
    expectOneLineError(migtrace(['import', bad, path.join(base, 'flipped')]), 2, /checksum does not match/);
    const json = migtrace(['import', bad, path.join(base, 'flipped'), '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'EXPORT_CHECKSUM_MISMATCH', message: expect.stringMatching(/checksum does not match/) } });
    expect(json.status).toBe(2);
    expect(fileHash(bad)).toBe(hash);
    expect(fs.existsSync(path.join(base, 'flipped'))).toBe(false);
  });

  it('a trace locked by another process (a recording still running)', async () => {
    const dir = path.join(tempDir('cli-lock'), 't');
    const rec = startLongRecording(dir, 10_000, ['timer', '--args', 'hz=1000 every=1000 ticks=1000000']);
    try {
      await rec.done;
      const locked = /is locked by another process \(a recording is still writing it\)$/;
      expectOneLineError(migtrace(['inspect', dir]), 2, locked);
      expectOneLineError(migtrace(['replay', dir]), 2, locked);
      expectOneLineError(migtrace(['export', dir, path.join(base, 'locked.mtx')]), 2, locked);
      expectOneLineError(migtrace(['import', exported, dir]), 2, locked);
      expectOneLineError(migtrace(['record', 'hello', '--out', dir]), 2, locked);
      expect(fs.existsSync(path.join(base, 'locked.mtx'))).toBe(false);
    } finally {
      await rec.kill();
    }
    expect(migtrace(['inspect', dir, '--limit', '0']).status).toBe(0);
  });

  it('recording over an existing trace, or with a bad flag', () => {
    const before = dirHashes(trace);
    expectOneLineError(migtrace(['record', 'hello', '--out', trace]), 2, /already holds a trace; choose a new directory$/);
    expectOneLineError(migtrace(['record', 'hello', '--out', path.join(base, 'n'), '--until', 'soon']), 2, /--until: "soon" is not a non-negative integer$/);
    expectOneLineError(migtrace(['inspect', trace, '--kind', 'frames']), 2, /--kind: unknown record kind "frames"/);
    expectOneLineError(migtrace(['inspect', trace, '--device', 'floppy']), 2, /--device: the trace has no device "floppy"/);
    expectOneLineError(migtrace(['inspect', trace, '--port', '0x60-0x20']), 2, /--port: "0x60-0x20" ends before it starts$/);
    expect(dirHashes(trace)).toEqual(before);
    expect(fs.existsSync(path.join(base, 'n'))).toBe(false);
  });
});
