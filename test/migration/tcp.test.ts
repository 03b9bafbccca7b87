import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTrace } from '../../src/trace/export.js';
import { migrationOptions, type MigrationOptions } from '../../src/migration/options.js';
import { migrateTraceInProcess } from '../../src/migration/trace-migration.js';
import { migrateTraceOverTcp } from '../../src/net/tcp-migration.js';
import { SECTION, encodeSection, streamHeader } from '../../src/migration/stream.js';
import { MiB, guestSetup, recordReference, tempDir } from './helpers.js';
import { incoming, migtraceAsync } from './cli.js';

const AT = 2_000_000;
let reference = '';

beforeAll(async () => {
  reference = await recordReference(guestSetup('memtouch', 'mb=2 passes=3 spin=2000', 16 * MiB));
}, 120_000);

async function exported(dir: string): Promise<Buffer> {
  const file = path.join(tempDir('export'), 'trace.migtrace');
  await exportTrace(dir, file);
  return fs.readFileSync(file);
}

async function sameOverBothTransports(options: MigrationOptions): Promise<void> {
  const dir = tempDir('tcp');
  const local = await migrateTraceInProcess({ trace: reference, at: AT, out: path.join(dir, 'in-process'), options });
  const out = path.join(dir, 'over-tcp');
  const dest = await incoming(out);
  const outcome = await migrateTraceOverTcp({ trace: reference, at: AT, to: { host: '127.0.0.1', port: dest.port }, options });
  const finished = await dest.run.done;
  expect(finished.stderr).toBe('');
  expect(finished.status).toBe(0);
  expect(outcome.streamSha256).toBe(local.source.streamSha256);
  expect(outcome.metrics).toEqual(local.source.metrics);
  expect((await exported(out)).equals(await exported(local.destination.dir))).toBe(true);
}

describe('migration over TCP (loopback, two processes)', () => {
  it('pre-copy gives the same stream and the same destination trace as in-process', async () => {
    await sameOverBothTransports(migrationOptions({ thresholdBytes: 64 * 1024 }));
  });

  it('post-copy, pages fetched synchronously over the socket, gives the same destination trace as in-process', async () => {
    await sameOverBothTransports(migrationOptions({ strategy: 'postcopy' }));
  });

  it('a connection dropped mid-stream: the source runs on unharmed and says so; the destination keeps nothing', async () => {
    const dir = tempDir('drop');
    const out = path.join(dir, 'dest');
    const dest = await incoming(out);
    // A proxy that cuts both connections once 300 KB of the stream have passed (inside round 1).
    let forwarded = 0;
    const proxy = net.createServer((from) => {
      const to = net.connect(dest.port, '127.0.0.1');
      from.on('data', (chunk: Buffer) => {
        const room = 300_000 - forwarded;
        forwarded += chunk.length;
        if (room > 0) to.write(chunk.subarray(0, Math.min(room, chunk.length)));
        if (forwarded >= 300_000) {
          from.destroy();
          to.destroy();
        }
      });
      to.on('data', (chunk: Buffer) => from.write(chunk));
      to.on('error', () => from.destroy());
      from.on('error', () => to.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as net.AddressInfo).port;
    try {
      await expect(
        migrateTraceOverTcp({ trace: reference, at: AT, to: { host: '127.0.0.1', port }, options: migrationOptions() }),
      ).rejects.toMatchObject({
        code: 'MIGRATION_LINK_DROPPED',
        message: expect.stringMatching(/mid-stream.*the source kept running unharmed: the guest ran on to icount 8250663 \(guest exited with status 1 \(it wrote 0 to isa-debug-exit: success\)\)/),
      });
      const d = await dest.run.done;
      expect(d.status).toBe(1);
      expect(d.stderr).toMatch(/^migtrace: the connection on tcp:127\.0\.0\.1:\d+ was closed by the source mid-stream, after \d+ bytes received.*the destination discarded its partial state/);
      expect(fs.existsSync(out)).toBe(false);
      expect(fs.readdirSync(dir)).toEqual([]);
    } finally {
      proxy.close();
    }
  });

  it('a stream of an unknown version, or with a bad checksum, is refused with a clear error and leaves nothing', async () => {
    const send = async (bytes: Uint8Array): Promise<{ status: number; stderr: string; out: string }> => {
      const out = path.join(tempDir('bad-stream'), 'dest');
      const dest = await incoming(out);
      const socket = net.connect(dest.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.end(bytes);
      const d = await dest.run.done;
      return { status: d.status, stderr: d.stderr, out };
    };
    const end = encodeSection(SECTION.END, { sections: 0, bytes: 0, rounds: [] });
    const future = await send(Buffer.concat([streamHeader(9, 0), end]));
    expect(future.status).toBe(2);
    expect(future.stderr).toMatch(/stream format version 9\.0 is not supported: this migtrace reads version 2\.0 to 2\.\d+.*discarded its partial state/);
    expect(fs.existsSync(future.out)).toBe(false);

    const damaged = Buffer.concat([streamHeader(), end]);
    damaged[damaged.length - 1] ^= 0xff;
    const bad = await send(damaged);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/section 0 \(END\): checksum mismatch .*not applied.*discarded its partial state/);
    expect(fs.existsSync(bad.out)).toBe(false);
  });
});

describe('one migration per --out', () => {
  it('a second destination given the same --out is refused at once, naming the holder; a stale lock is taken over', async () => {
    const dir = tempDir('locked');
    const out = path.join(dir, 'dest');
    const first = await incoming(out);
    const second = await migtraceAsync(['migrate', '--incoming', 'tcp:127.0.0.1:0', '--out', out]).done;
    expect(second.status).toBe(2);
    expect(second.stderr).toBe(
      `migtrace: --out ${out} is being written by another migration (pid ${first.run.child.pid}): lock ${path.join(dir, '.dest.lock')}; wait for it to finish or give another --out\n`,
    );
    // The holder is killed outright: its lock stays behind, stale.
    first.run.child.kill('SIGKILL');
    await first.run.done;
    expect(fs.readFileSync(path.join(dir, '.dest.lock'), 'utf8').trim()).toBe(String(first.run.child.pid));
    const third = await incoming(out);
    expect(await third.run.line(/took over the stale lock (\S+) of migration pid (\d+), which is no longer running/)).toMatchObject({ 2: String(first.run.child.pid) });
    third.run.child.kill('SIGTERM');
    await third.run.done;
  }, 60_000);

  it('the lock goes when the destination ends, whichever way', async () => {
    const dir = tempDir('lock-released');
    const out = path.join(dir, 'dest');
    const dest = await incoming(out, ['--timeout', '2s']);
    expect(fs.existsSync(path.join(dir, '.dest.lock'))).toBe(true);
    const socket = net.connect(dest.port, '127.0.0.1');
    socket.on('error', () => {});
    const d = await dest.run.done;
    socket.destroy();
    expect(d.status).toBe(1);
    expect(fs.readdirSync(dir)).toEqual([]);
  }, 30_000);
});
