/**
 * Over TCP, a silent peer or a stalled link is a timeout, never a hang: each side gives up
 * after --timeout (counted from the last heartbeat), naming what it awaited, and the source
 * keeps its guest. Mostly waiting for timeouts to lapse, so it lives with the long sweeps
 * (test/migration/tcp.test.ts has the migrations themselves).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HEARTBEAT_FRAME, SECTION, decodeSection, encodeSection, streamHeader, type PbAck } from '../../src/migration/stream.js';
import { connectSource } from '../../src/net/tcp-transport.js';
import { MiB, guestSetup, recordReference, tempDir } from '../migration/helpers.js';
import { incoming, migtraceAsync } from '../migration/cli.js';

const AT = 2_000_000;
let reference = '';

beforeAll(async () => {
  reference = await recordReference(guestSetup('memtouch', 'mb=2 passes=3 spin=2000', 16 * MiB));
}, 120_000);

describe('over TCP, a silent peer or a stalled link is a timeout, never a hang', () => {
  it('a source that connects and says nothing: the destination gives up after --timeout, naming what it awaited, and keeps nothing', async () => {
    const out = path.join(tempDir('silent-source'), 'dest');
    const dest = await incoming(out, ['--timeout', '2s']);
    const socket = net.connect(dest.port, '127.0.0.1');
    socket.on('error', () => {});
    try {
      const d = await dest.run.done;
      expect(d.status).toBe(1);
      expect(d.stderr).toMatch(/^migtrace: timed out after 2s waiting for the source's MACHINE section: nothing, not even a heartbeat, came from the source \(tcp:127\.0\.0\.1:\d+\).*discarded its partial state[^\n]*\n$/);
      expect(fs.existsSync(out)).toBe(false);
    } finally {
      socket.destroy();
    }
  }, 30_000);

  it('a live but slow source that sends heartbeats is waited for; the timeout counts from the last heartbeat', async () => {
    const out = path.join(tempDir('slow-source'), 'dest');
    const dest = await incoming(out, ['--timeout', '2s']);
    const socket = net.connect(dest.port, '127.0.0.1');
    socket.on('error', () => {});
    socket.write(streamHeader());
    const started = Date.now();
    const beat = setInterval(() => socket.write(HEARTBEAT_FRAME), 300);
    setTimeout(() => clearInterval(beat), 3500);
    try {
      const d = await dest.run.done;
      expect(Date.now() - started).toBeGreaterThan(5000);
      expect(d.status).toBe(1);
      expect(d.stderr).toMatch(/^migtrace: timed out after 2s waiting for the source's MACHINE section/);
    } finally {
      clearInterval(beat);
      socket.destroy();
    }
  }, 30_000);

  it('a destination that accepts and says nothing: the source gives up after --timeout and keeps its guest running', async () => {
    const server = net.createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const r = await migtraceAsync(['migrate', reference, '--at', String(AT), '--to', `tcp:127.0.0.1:${port}`, '--timeout', '2s']).done;
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /^migtrace: timed out after 2s waiting for the destination's ACK of the machine: nothing, not even a heartbeat, came from tcp:127\.0\.0\.1:\d+; the source kept running unharmed[^\n]*\n$/,
      );
    } finally {
      server.close();
    }
  }, 60_000);

  it('a destination that sends only heartbeats keeps the source waiting past its timeout; then the ACK is taken', async () => {
    const server = net.createServer((s) => {
      s.write(streamHeader());
      const beat = setInterval(() => s.write(HEARTBEAT_FRAME), 300);
      setTimeout(() => {
        clearInterval(beat);
        s.write(encodeSection(SECTION.ACK, { ok: true, message: 'late', reconstructInstructions: 0, dummyFrames: 0 }));
      }, 3000);
      s.on('close', () => clearInterval(beat));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const link = await connectSource({ host: '127.0.0.1', port }, { timeoutMs: 2000 });
      const started = Date.now();
      const s = await link.receive();
      expect(Date.now() - started).toBeGreaterThan(2500);
      expect(decodeSection<PbAck>(s, SECTION.ACK).message).toBe('late');
      link.close();
    } finally {
      server.close();
    }
  }, 30_000);

  it('--timeout is checked: a bad or too short duration is a one-line usage error', async () => {
    const bad = await migtraceAsync(['migrate', '--incoming', 'tcp:0', '--out', path.join(tempDir('bad-timeout'), 'd'), '--timeout', 'soon']).done;
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/^migtrace: --timeout: "soon" is not a duration \(examples: 30s, 2m, 5000ms\)\n$/);
    const short = await migtraceAsync(['migrate', '--incoming', 'tcp:0', '--out', path.join(tempDir('bad-timeout'), 'd'), '--timeout', '100ms']).done;
    expect(short.status).toBe(2);
    expect(short.stderr).toMatch(/^migtrace: --timeout 100ms is too short: at least 2s/);
  }, 30_000);
});
