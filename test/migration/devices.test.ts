/**
 * Device guests through the whole migrate path with the thin hypervisor: what the engine
 * carries besides pages and CPU (the outside world's position, the shared disk's writes, the
 * NIC's rings read during post-copy reconstruction).
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { migrationOptions } from '../../src/migration/options.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { TraceReader } from '../../src/trace/reader.js';
import type { TraceRecord } from '../../src/trace/records.js';
import { MiB, guestSetup, recordReference, tempDir } from './helpers.js';

async function records(dir: string, from: number, kinds: TraceRecord['kind'][]): Promise<TraceRecord[]> {
  const r = await TraceReader.open(dir);
  try {
    const out: TraceRecord[] = [];
    for await (const rec of r.records({ fromIcount: from, kinds })) out.push(rec);
    return out;
  } finally {
    await r.close();
  }
}

function summary(rs: TraceRecord[]) {
  return rs.map((r) => ({ icount: r.icount, kind: r.kind, data: 'data' in r ? Buffer.from(r.data).toString('hex') : '' }));
}

describe('device guests through migrate', () => {
  let netEcho = '';
  beforeAll(async () => {
    netEcho = await recordReference(guestSetup('net-echo', undefined, 16 * MiB, 'guests/inputs/net-echo.input'));
  }, 120_000);

  it('a frame that arrives while the source hypervisor captures the NIC reaches the destination at its own icount', async () => {
    // net-echo's input script sends a frame at icount 3,060,000; the capture's dummy frames keep
    // the source paused past it. Post-copy switches over exactly at --at.
    const at = 3_059_900;
    const out = path.join(tempDir('net'), 'dest');
    const { destination } = await migrateTraceInProcess({ trace: netEcho, at, out, options: migrationOptions({ strategy: 'postcopy' }) });
    expect(destination.metrics.capturePausedInstructions).toBeGreaterThan(100);
    const want = summary(await records(netEcho, at + 1, ['input', 'output']));
    const got = summary(await records(out, at, ['input', 'output']));
    expect(got[0]).toMatchObject({ icount: 3_060_000, kind: 'input' });
    expect(got).toEqual(want);
  });

  it('pre-copy of net-echo with frames in flight: the same frames in and out to the end', async () => {
    const at = 3_000_000;
    const out = path.join(tempDir('net'), 'dest');
    const { destination } = await migrateTraceInProcess({ trace: netEcho, at, out, options: migrationOptions() });
    const sw = destination.metrics.switchIcount;
    expect(summary(await records(out, sw, ['input', 'output']))).toEqual(summary(await records(netEcho, sw + 1, ['input', 'output'])));
    expect(destination.outcome.status).toBe('exited');
  });

  it('the disk guest sees what it wrote before the switch-over (the shared disk\'s writes migrate)', async () => {
    const disk = await recordReference(guestSetup('disk', undefined, 16 * MiB));
    const at = 3_000_000;
    const out = path.join(tempDir('disk'), 'dest');
    const { destination } = await migrateTraceInProcess({ trace: disk, at, out, options: migrationOptions({ strategy: 'postcopy' }) });
    const serial = (rs: TraceRecord[]) => rs.map((r) => ('data' in r ? Buffer.from(r.data).toString('latin1') : '')).join('');
    const want = serial(await records(disk, at + 1, ['output']));
    expect(want).toMatch(/crc/i);
    expect(serial(await records(out, at, ['output']))).toBe(want);
    expect(destination.outcome.exitStatus).toBe(1);
  });
});
