/**
 * The wire of Linux's network workload (guests/linux-init/init.c, net_workload): the frames
 * guests/inputs/make-linux-net-input.mjs sends, and a reading of what the guest sends back —
 * each output frame decoded as the answer to one input (an ARP reply, a UDP echo, an ICMP
 * echo reply, "bye N"), so a test can check every request was answered exactly once.
 */
// @ts-expect-error plain JavaScript module without type declarations
import * as generator from '../../guests/inputs/make-linux-net-input.mjs';

export interface LinuxNetFrame {
  kind: 'arp' | 'arp-other' | 'udp' | 'icmp' | 'quit';
  /** The datagram's or the ping's number (0 for ARP and quit). */
  n: number;
  group: number;
  bytes: Uint8Array;
  payload?: Uint8Array;
}

export const gen = generator as {
  GUEST_MAC: number[];
  PEER_MAC: number[];
  GUEST_IP: number[];
  PEER_IP: number[];
  ECHO_PORT: number;
  PEER_PORT: number;
  ICMP_ID: number;
  DEFAULTS: { datagrams: number; start: number; spacing: number };
  inetChecksum(bytes: Uint8Array, initial?: number): number;
  linuxNetFrames(o?: object): LinuxNetFrame[];
  linuxNetScript(o?: object): string;
  groupIcount(group: number, o?: object): number;
};

/** An output frame read as an answer: what it answers, or why it is not one. */
export type Answer =
  | { kind: 'arp-reply' }
  | { kind: 'udp-echo'; n: number; payload: Uint8Array }
  | { kind: 'icmp-reply'; seq: number; payload: Uint8Array }
  | { kind: 'bye'; count: number }
  | { kind: 'other'; why: string };

const hex = (b: ArrayLike<number>) => Buffer.from(Uint8Array.from(b)).toString('hex');
const same = (a: ArrayLike<number>, b: ArrayLike<number>) => hex(a) === hex(b);

/** Decode one frame the guest sent. Checks addresses, the IPv4 header checksum and lengths. */
export function readAnswer(f: Uint8Array): Answer {
  if (f.length < 42) return { kind: 'other', why: `${f.length}-byte frame` };
  if (!same(f.subarray(0, 6), gen.PEER_MAC) || !same(f.subarray(6, 12), gen.GUEST_MAC)) return { kind: 'other', why: `addresses ${hex(f.subarray(0, 12))}` };
  const type = (f[12] << 8) | f[13];
  if (type === 0x0806) {
    const op = (f[20] << 8) | f[21];
    const ok = op === 2 && same(f.subarray(22, 28), gen.GUEST_MAC) && same(f.subarray(28, 32), gen.GUEST_IP) && same(f.subarray(38, 42), gen.PEER_IP);
    return ok ? { kind: 'arp-reply' } : { kind: 'other', why: `ARP op ${op}` };
  }
  if (type !== 0x0800) return { kind: 'other', why: `ethertype ${type.toString(16)}` };
  const ip = f.subarray(14);
  const ihl = (ip[0] & 0x0f) * 4;
  const total = (ip[2] << 8) | ip[3];
  if (gen.inetChecksum(ip.subarray(0, ihl)) !== 0) return { kind: 'other', why: 'bad IPv4 header checksum' };
  if (!same(ip.subarray(12, 16), gen.GUEST_IP) || !same(ip.subarray(16, 20), gen.PEER_IP)) return { kind: 'other', why: 'IP addresses' };
  const body = ip.subarray(ihl, total);
  if (ip[9] === 17) {
    const sport = (body[0] << 8) | body[1];
    const dport = (body[2] << 8) | body[3];
    if (sport !== gen.ECHO_PORT || dport !== gen.PEER_PORT) return { kind: 'other', why: `UDP ports ${sport} → ${dport}` };
    const data = body.subarray(8, (body[4] << 8) | body[5]);
    const text = Buffer.from(data).toString('latin1');
    const bye = /^bye (\d+)$/.exec(text);
    if (bye) return { kind: 'bye', count: Number(bye[1]) };
    const m = /^migtrace udp #(\d+)/.exec(text);
    return m ? { kind: 'udp-echo', n: Number(m[1]), payload: data.slice() } : { kind: 'other', why: `UDP data ${text.slice(0, 20)}` };
  }
  if (ip[9] === 1) {
    if (body[0] !== 0 || ((body[4] << 8) | body[5]) !== gen.ICMP_ID) return { kind: 'other', why: `ICMP type ${body[0]}` };
    if (gen.inetChecksum(body) !== 0) return { kind: 'other', why: 'bad ICMP checksum' };
    return { kind: 'icmp-reply', seq: (body[6] << 8) | body[7], payload: body.slice(8) };
  }
  return { kind: 'other', why: `IP protocol ${ip[9]}` };
}

/**
 * What is wrong with `out` (the guest's frames, in order) as the answers to `frames`: every
 * datagram echoed once with its own bytes, every ping answered once, one ARP reply, "bye N"
 * last; an empty list when nothing is.
 */
export function wireProblems(frames: LinuxNetFrame[], out: Uint8Array[]): string[] {
  const problems: string[] = [];
  const echoes = new Map<number, number>();
  const pings = new Map<number, number>();
  let arp = 0;
  let bye = -1;
  out.forEach((f, i) => {
    const a = readAnswer(f);
    if (a.kind === 'other') problems.push(`frame ${i}: not an answer (${a.why})`);
    else if (a.kind === 'arp-reply') arp++;
    else if (a.kind === 'bye') bye = i === out.length - 1 ? a.count : -2;
    else if (a.kind === 'udp-echo') {
      const sent = frames.find((x) => x.kind === 'udp' && x.n === a.n);
      if (sent === undefined || !same(sent.payload!, a.payload)) problems.push(`frame ${i}: echo of datagram ${a.n} does not carry its bytes`);
      echoes.set(a.n, (echoes.get(a.n) ?? 0) + 1);
    } else {
      const sent = frames.find((x) => x.kind === 'icmp' && x.n === a.seq);
      if (sent === undefined || !same(sent.payload!, a.payload)) problems.push(`frame ${i}: echo reply ${a.seq} does not carry the request's data`);
      pings.set(a.seq, (pings.get(a.seq) ?? 0) + 1);
    }
  });
  const udp = frames.filter((f) => f.kind === 'udp');
  const icmp = frames.filter((f) => f.kind === 'icmp');
  for (const f of udp) if (echoes.get(f.n) !== 1) problems.push(`datagram ${f.n} echoed ${echoes.get(f.n) ?? 0} times`);
  for (const f of icmp) if (pings.get(f.n) !== 1) problems.push(`ping ${f.n} answered ${pings.get(f.n) ?? 0} times`);
  if (arp !== 1) problems.push(`${arp} ARP replies`);
  if (bye !== udp.length) problems.push(bye === -2 ? '"bye" is not the last frame' : `bye ${bye}, want bye ${udp.length}`);
  return problems;
}
