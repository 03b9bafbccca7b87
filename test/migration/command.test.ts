import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TraceReader } from '../../src/trace/reader.js';
import { MACHINE_SNAPSHOT_BLOB } from '../../src/trace/machine-snapshot.js';
import { MiB, guestSetup, recordReference, tempDir } from './helpers.js';
import { migtrace } from '../cli/cli.js';

let reference = '';
const END = 8_250_663;

beforeAll(async () => {
  reference = await recordReference(guestSetup('memtouch', 'mb=2 passes=3 spin=2000', 16 * MiB));
  const r = await TraceReader.open(reference);
  expect(r.status).toMatchObject({ complete: true, finalIcount: END, runStatus: 'exited' });
  await r.close();
}, 120_000);

describe('migtrace migrate', () => {
  it('migrates in-process, prints a line per round and the metrics, and records the destination from the switch-over', async () => {
    const out = path.join(tempDir('cli'), 'dest');
    const r = migtrace(['migrate', reference, '--at', '2e6', '--threshold', '64KiB', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^round 1: 4096 pages \(\d+ zero\), [\d.]+ MiB in [\d.]+ ms; guest ran 2000000→\d+ and dirtied \d+ pages$/m);
    expect(r.stdout).toMatch(/^downtime [\d.]+ ms/m);
    expect(r.stdout).toMatch(/^total migration time [\d.]+ ms/m);
    expect(r.stdout).toMatch(new RegExp(`destination trace ${out}: icount (\\d+) → ${END}, exited`));

    const t = await TraceReader.open(out);
    try {
      const first = Number(/switch-over at icount (\d+)/.exec(r.stdout)![1]);
      expect(t.header.firstIcount).toBe(first);
      expect(t.status).toMatchObject({ complete: true, finalIcount: END, runStatus: 'exited' });
      expect(await t.blob(MACHINE_SNAPSHOT_BLOB)).toBeDefined();
      const events = [];
      for await (const e of t.records({ kinds: ['migration', 'hypervisor'] })) events.push(e);
      expect(events.map((e) => ('phase' in e ? e.phase : 'action' in e ? e.action : e.kind))).toEqual(
        expect.arrayContaining(['precopy-round', 'stop-and-copy', 'switch-over', 'reconstruct']),
      );
      expect(events.every((e) => e.icount === first)).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('answers in JSON', () => {
    const out = path.join(tempDir('cli'), 'dest');
    const r = migtrace(['migrate', reference, '--at', '3000000', '--strategy', 'postcopy', '--out', out, '--json']);
    expect(r.status).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ mode: 'in-process', at: 3_000_000, out, destination: { status: 'exited', icount: END } });
    expect(j.metrics.strategy).toBe('postcopy');
    expect(j.metrics.switchIcount).toBe(3_000_000);
    expect(j.metrics.postcopy.faults).toBeGreaterThan(0);
    expect(j.stream.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses --at beyond the end of the trace, before running anything', () => {
    const out = path.join(tempDir('cli'), 'dest');
    const r = migtrace(['migrate', reference, '--at', String(END + 1), '--out', out]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(
      `migtrace: --at ${END + 1} is beyond the end of trace ${reference}, which ends at icount ${END}: pick a migration point inside the recording`,
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('is refused by a destination with less memory; the source runs on unharmed and says so; no trace is left', () => {
    const dir = tempDir('cli');
    const out = path.join(dir, 'dest');
    const r = migtrace(['migrate', reference, '--at', '2000000', '--destination-memory', '8MiB', '--out', out]);
    // A destination that is not the source's machine is bad input (exit 2), as another kernel or disk is.
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^migtrace: the destination refuses the migration: not an identical machine: the destination has 8 MiB of memory, less than the source's 16 MiB; the source kept running unharmed: the guest ran on to icount 8250663 \(guest exited with status 1 \(it wrote 0 to isa-debug-exit: success\)\)\n$/,
    );
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('refuses bad flags with one line each', () => {
    const out = path.join(tempDir('cli'), 'dest');
    const cases: [string[], RegExp][] = [
      [['migrate', reference, '--out', out], /missing --at/],
      [['migrate', reference, '--at', '100', '--out', out, '--fault', 'no-such-fault'], /--fault no-such-fault: no such fault \(known: /],
      [['migrate', reference, '--at', '100', '--out', out, '--bandwidth', 'fast'], /--bandwidth: "fast" is not a bandwidth/],
      [['migrate', reference, '--at', '100', '--to', 'localhost'], /--to: "localhost" is not a TCP address/],
      [['migrate', '--incoming', 'tcp:7000', '--out', out, '--at', '5'], /--incoming takes no TRACE, --at, --switch-at or --to/],
      [['migrate', reference, '--at', '100', '--out', reference], /already exists/],
    ];
    for (const [args, re] of cases) {
      const r = migtrace(args);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    }
  });
});
