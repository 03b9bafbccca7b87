/**
 * guests/inputs/linux-net.input is what its generator makes, and its frames are well formed
 * (Internet checksums, lengths, one group after another): the Linux network workload's wire
 * (test/long/linux-net-migration.test.ts runs it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInputScript } from '../../src/devices/input-script.js';
import { gen } from './linux-net-wire.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('linux-net input generator', () => {
  it('made the committed guests/inputs/linux-net.input (node guests/inputs/make-linux-net-input.mjs)', () => {
    expect(readFileSync(join(ROOT, 'guests/inputs/linux-net.input'), 'utf8')).toBe(gen.linuxNetScript());
  });

  it('sends an ARP request, 48 datagrams, 14 pings and quit, each with valid checksums, at their groups\' icounts', () => {
    const frames = gen.linuxNetFrames();
    expect(frames.map((f) => f.kind).filter((k) => k === 'udp')).toHaveLength(48);
    expect(frames.filter((f) => f.kind === 'icmp')).toHaveLength(14);
    expect(frames[0].kind).toBe('arp');
    expect(frames.at(-1)!.kind).toBe('quit');
    for (const f of frames) {
      expect(f.bytes.length).toBeGreaterThanOrEqual(60);
      expect(f.bytes.length).toBeLessThanOrEqual(1514);
      if (f.kind === 'arp' || f.kind === 'arp-other') continue;
      const ip = f.bytes.subarray(14);
      expect(gen.inetChecksum(ip.subarray(0, 20))).toBe(0);
      const total = (ip[2] << 8) | ip[3];
      const body = ip.subarray(20, total);
      if (f.kind === 'icmp') expect(gen.inetChecksum(body)).toBe(0);
      else {
        const pseudo = Uint8Array.from([...gen.PEER_IP, ...gen.GUEST_IP, 0, 17, body.length >> 8, body.length & 0xff]);
        expect(gen.inetChecksum(Uint8Array.from([...pseudo, ...body]))).toBe(0);
      }
    }
    expect(frames.some((f) => f.bytes.length === 1514)).toBe(true);
    const script = parseInputScript(gen.linuxNetScript(), 'linux-net.input');
    expect(script.events).toHaveLength(frames.length);
    script.events.forEach((e, i) => {
      expect(e.icount).toBe(gen.groupIcount(frames[i].group));
      expect(Buffer.from(e.data).equals(Buffer.from(frames[i].bytes))).toBe(true);
    });
  });
});
