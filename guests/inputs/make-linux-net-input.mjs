#!/usr/bin/env node
/**
 * The wire for Linux's network workload (guests/linux-init/init.c, net_workload): an input
 * script (docs/input-script.md) of frames from a peer station, 10.0.2.2 at
 * 52:54:00:ab:cd:01, to the guest's eth0, 10.0.2.15 at 52:54:00:12:34:56 (the RTL8169):
 *
 *   - an ARP request for 10.0.2.15 (the guest answers it and learns the peer's address, so
 *     its replies need no ARP of its own), and an ARP request for another address (ignored);
 *   - UDP datagrams to port 7, the guest's echo server, 18 to 1472 bytes of payload (up to
 *     a full 1514-byte frame), each starting "migtrace udp #N ";
 *   - ICMP echo requests (id 0x6d74, sequence 1, 2, …), answered by the kernel itself;
 *   - a final UDP datagram "quit", answered with "bye N".
 *
 * Groups of frames arrive `spacing` instructions apart from `start` (after init has brought
 * eth0 up: it prints "UDP echo on port 7" at icount ~181.6 M); some groups hold two or
 * three frames at one icount, so several RX descriptors fill at once.
 *
 *   node guests/inputs/make-linux-net-input.mjs [datagrams=48] [start=184000000] [spacing=1000000] > FILE
 *
 * guests/inputs/linux-net.input is this script with the defaults; test/guests/linux-net-input.test.ts
 * checks that, and the long migration test imports linuxNetFrames to decode the guest's answers.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { frameLines } from './make-net-input.mjs';

export const GUEST_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
export const PEER_MAC = [0x52, 0x54, 0x00, 0xab, 0xcd, 0x01];
export const BROADCAST_MAC = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
export const GUEST_IP = [10, 0, 2, 15];
export const PEER_IP = [10, 0, 2, 2];
export const OTHER_IP = [10, 0, 2, 99];
export const ECHO_PORT = 7;
export const PEER_PORT = 40007;
export const ICMP_ID = 0x6d74;

export const DEFAULTS = Object.freeze({
  datagrams: 48, // UDP datagrams to echo (besides "quit")
  start: 184_000_000, // icount of the first frame (init's echo server is up at ~181.6 M)
  spacing: 1_000_000, // instructions between groups (10 ms of virtual time)
});

/** xorshift32: the same bytes on every machine. */
function* randomBytes(seed) {
  let x = seed >>> 0 || 1;
  for (;;) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    yield x & 0xff;
  }
}

/** The Internet checksum of `bytes` (RFC 1071), with `initial` folded in. */
export function inetChecksum(bytes, initial = 0) {
  let sum = initial;
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ethernet(dst, type, payload) {
  const f = new Uint8Array(Math.max(60, 14 + payload.length)); // padded to the 60-byte minimum
  f.set(dst, 0);
  f.set(PEER_MAC, 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(payload, 14);
  return f;
}

function arpRequest(targetIp) {
  const a = new Uint8Array(28);
  a.set([0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01], 0); // Ethernet, IPv4, request
  a.set(PEER_MAC, 8);
  a.set(PEER_IP, 14);
  a.set(targetIp, 24); // target MAC left zero
  return ethernet(BROADCAST_MAC, 0x0806, a);
}

function ipv4(protocol, id, payload) {
  const p = new Uint8Array(20 + payload.length);
  const v = new DataView(p.buffer);
  p[0] = 0x45;
  v.setUint16(2, p.length);
  v.setUint16(4, id);
  v.setUint16(6, 0x4000); // DF
  p[8] = 64;
  p[9] = protocol;
  p.set(PEER_IP, 12);
  p.set(GUEST_IP, 16);
  v.setUint16(10, inetChecksum(p.subarray(0, 20)));
  p.set(payload, 20);
  return ethernet(GUEST_MAC, 0x0800, p);
}

function udp(id, data) {
  const u = new Uint8Array(8 + data.length);
  const v = new DataView(u.buffer);
  v.setUint16(0, PEER_PORT);
  v.setUint16(2, ECHO_PORT);
  v.setUint16(4, u.length);
  u.set(data, 8);
  // Pseudo-header: source, destination, zero, protocol 17, UDP length.
  const pseudo = new Uint8Array(12);
  pseudo.set(PEER_IP, 0);
  pseudo.set(GUEST_IP, 4);
  pseudo[9] = 17;
  new DataView(pseudo.buffer).setUint16(10, u.length);
  let sum = 0xffff & ~inetChecksum(pseudo);
  v.setUint16(6, inetChecksum(u, sum) || 0xffff);
  return ipv4(17, id, u);
}

function icmpEcho(id, seq, data) {
  const c = new Uint8Array(8 + data.length);
  const v = new DataView(c.buffer);
  c[0] = 8; // echo request
  v.setUint16(4, ICMP_ID);
  v.setUint16(6, seq);
  c.set(data, 8);
  v.setUint16(2, inetChecksum(c));
  return ipv4(1, id, c);
}

function udpLength(n) {
  if (n % 12 === 11) return 1472; // a full 1514-byte frame
  return 18 + ((n * 53) % 400);
}

/**
 * The frames, in order: { kind: 'arp' | 'arp-other' | 'udp' | 'icmp' | 'quit', n (the
 * datagram or echo number), group, bytes, payload (UDP data or ICMP echo data) }.
 */
export function linuxNetFrames(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const random = randomBytes(0x6d74);
  const text = (s) => new TextEncoder().encode(s);
  const frames = [];
  let ipId = 0x1000;
  let group = 0;
  let pings = 0;
  frames.push({ kind: 'arp', n: 0, group, bytes: arpRequest(GUEST_IP) });
  frames.push({ kind: 'arp-other', n: 0, group: ++group, bytes: arpRequest(OTHER_IP) });
  for (let n = 1; n <= o.datagrams; n++) {
    group++;
    const data = new Uint8Array(udpLength(n));
    const head = text(`migtrace udp #${n} `);
    data.set(head.subarray(0, data.length), 0);
    for (let k = head.length; k < data.length; k++) data[k] = random.next().value;
    frames.push({ kind: 'udp', n, group, bytes: udp(ipId++, data), payload: data });
    if (n % 3 === 0) {
      // An ICMP echo request in the same group: two frames in the RX ring at once.
      const ping = new Uint8Array(56);
      for (let k = 0; k < ping.length; k++) ping[k] = (k + pings) & 0xff;
      pings++;
      frames.push({ kind: 'icmp', n: pings, group, bytes: icmpEcho(ipId++, pings, ping), payload: ping });
    }
    if (n % 8 === 4) {
      // A second datagram right behind the first: the echo server's socket queues it.
      n++;
      const d2 = text(`migtrace udp #${n} (burst)`);
      frames.push({ kind: 'udp', n, group, bytes: udp(ipId++, d2), payload: d2 });
    }
  }
  const quit = text('quit');
  frames.push({ kind: 'quit', n: 0, group: ++group, bytes: udp(ipId++, quit), payload: quit });
  return frames;
}

const mac = (m) => Array.from(m, (b) => b.toString(16).padStart(2, '0')).join(':');

/** The icount of a group. */
export function groupIcount(group, options = {}) {
  const o = { ...DEFAULTS, ...options };
  return o.start + group * o.spacing;
}

/** The script text for linuxNetFrames(options). */
export function linuxNetScript(options = {}) {
  const o = { ...DEFAULTS, ...options };
  const frames = linuxNetFrames(o);
  const udpCount = frames.filter((f) => f.kind === 'udp').length;
  const icmpCount = frames.filter((f) => f.kind === 'icmp').length;
  const lines = [
    '# linux-net input: generated by guests/inputs/make-linux-net-input.mjs; do not edit.',
    `# For \`migtrace run linux --input\`: from peer 10.0.2.2 (${mac(PEER_MAC)}) to the guest's eth0,`,
    `# 10.0.2.15 (${mac(GUEST_MAC)}): 2 ARP requests, ${udpCount} UDP datagrams to port 7,`,
    `# ${icmpCount} ICMP echo requests, then "quit"; from icount ${o.start}, a group every ${o.spacing}`,
    '# instructions.',
  ];
  let lastGroup = -1;
  for (const f of frames) {
    const when = f.group === lastGroup ? '+0' : String(groupIcount(f.group, o));
    lastGroup = f.group;
    lines.push(`# ${f.kind}${f.n ? ` ${f.n}` : ''}, ${f.bytes.length} bytes`);
    lines.push(...frameLines(when, f.bytes));
  }
  return lines.join('\n') + '\n';
}

function parseCli(argv) {
  const options = {};
  for (const a of argv) {
    const m = /^(datagrams|start|spacing)=(\d+)$/.exec(a);
    if (!m) throw new Error(`usage: make-linux-net-input.mjs [datagrams=N] [start=ICOUNT] [spacing=N] (got "${a}")`);
    options[m[1]] = Number(m[2]);
  }
  return options;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  process.stdout.write(linuxNetScript(parseCli(process.argv.slice(2))));
}
