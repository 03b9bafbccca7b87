/**
 * The link model: a migration's bytes cross a link of fixed bandwidth and latency, in
 * virtual time. Nothing here reads a clock: a round of B bytes takes B·8/bandwidth seconds
 * whatever the transport (in-process or TCP) really took, so the same migration gives the
 * same rounds, downtime and total time every time.
 *
 * Time is kept in integer nanoseconds and converted to guest instructions with the machine's
 * instructions per virtual second (100 M by default: 1 instruction = 10 ns). Products that
 * exceed 2^53 go through BigInt, so the arithmetic is exact for any migration size.
 *
 * BLMVisor (section 4.1, 5.3): ~1 Gbps and a 64 MiB threshold, so the last 64 MiB take
 * 67,108,864 · 8 / 10^9 = 0.537 s, the paper's "sending 64 MiB required 0.5 second".
 */
import { InputError } from '../errors.js';

export const NS_PER_SECOND = 1_000_000_000;
/** 1 Gbps, BLMVisor's migration NIC. */
export const DEFAULT_BANDWIDTH_BPS = 1_000_000_000;
/** One way, 100 µs: a data-centre LAN. */
export const DEFAULT_LATENCY_NS = 100_000;

export interface LinkParameters {
  readonly bandwidthBitsPerSecond: number;
  readonly latencyNanoseconds: number;
}

export const DEFAULT_LINK: LinkParameters = {
  bandwidthBitsPerSecond: DEFAULT_BANDWIDTH_BPS,
  latencyNanoseconds: DEFAULT_LATENCY_NS,
};

/** ceil(a · b / c) for non-negative integers, exact beyond 2^53. */
export function mulDivCeil(a: number, b: number, c: number): number {
  const p = a * b;
  if (p <= Number.MAX_SAFE_INTEGER) return Math.ceil(p / c);
  const big = BigInt(a) * BigInt(b);
  const q = big / BigInt(c);
  return Number(big % BigInt(c) === 0n ? q : q + 1n);
}

/** floor(a · b / c) for non-negative integers, exact beyond 2^53. */
export function mulDivFloor(a: number, b: number, c: number): number {
  const p = a * b;
  if (p <= Number.MAX_SAFE_INTEGER) return Math.floor(p / c);
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}

export class LinkModel {
  constructor(
    readonly params: LinkParameters = DEFAULT_LINK,
    /** The migrating machine's instructions per virtual second. */
    readonly hz = 100_000_000,
  ) {
    if (!Number.isSafeInteger(params.bandwidthBitsPerSecond) || params.bandwidthBitsPerSecond <= 0) {
      throw new InputError('BAD_LINK', `link bandwidth must be a positive number of bits per second, not ${params.bandwidthBitsPerSecond}`);
    }
    if (!Number.isSafeInteger(params.latencyNanoseconds) || params.latencyNanoseconds < 0) {
      throw new InputError('BAD_LINK', `link latency must be a non-negative number of nanoseconds, not ${params.latencyNanoseconds}`);
    }
  }

  get latencyNs(): number {
    return this.params.latencyNanoseconds;
  }

  /** Nanoseconds to put `bytes` on the wire (serialisation only, no latency). */
  transferNs(bytes: number): number {
    return mulDivCeil(bytes, 8 * NS_PER_SECOND, this.params.bandwidthBitsPerSecond);
  }

  /** Bytes the link carries in `ns` nanoseconds. */
  bytesIn(ns: number): number {
    return mulDivFloor(ns, this.params.bandwidthBitsPerSecond, 8 * NS_PER_SECOND);
  }

  /** Guest instructions that run in `ns` of virtual time (rounded up: the guest runs at least that long). */
  instructions(ns: number): number {
    return mulDivCeil(ns, this.hz, NS_PER_SECOND);
  }

  /** Virtual nanoseconds that `instructions` take. */
  nanoseconds(instructions: number): number {
    return mulDivFloor(instructions, NS_PER_SECOND, this.hz);
  }
}

/**
 * Virtual time of a pre-copy round of `bytes`. The last round also waits for the destination
 * to confirm every round (its ACK's round trip) before the source stops the guest.
 */
export function roundNs(link: LinkModel, bytes: number, last: boolean): number {
  return link.transferNs(bytes) + (last ? 2 * link.latencyNs : 0);
}

/** "1 Gbps", "100 Mbps", "2.5 Gbps", or a plain number of bits per second → bits per second. */
export function parseBandwidth(text: string, what = '--bandwidth'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:bps|bit\/s|b\/s)?\s*$/i.exec(text);
  if (m === null) throw new InputError('BAD_BANDWIDTH', `${what}: "${text}" is not a bandwidth (examples: 1Gbps, 100Mbps, 2.5Gbps)`);
  const scale = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const bps = Math.round(Number(m[1]) * scale);
  if (!(bps > 0) || !Number.isSafeInteger(bps)) throw new InputError('BAD_BANDWIDTH', `${what}: "${text}" must be a positive bandwidth`);
  return bps;
}

/** "100us", "1ms", "0", "2.5ms", "500ns", "1s" → nanoseconds. */
export function parseLatency(text: string, what = '--latency'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ns|us|µs|ms|s)?\s*$/i.exec(text);
  if (m === null) throw new InputError('BAD_LATENCY', `${what}: "${text}" is not a latency (examples: 100us, 1ms, 0)`);
  const unit = (m[2] ?? 'ns').toLowerCase();
  const scale = unit === 's' ? 1e9 : unit === 'ms' ? 1e6 : unit === 'ns' ? 1 : 1e3;
  return Math.round(Number(m[1]) * scale);
}

export function formatBandwidth(bps: number): string {
  if (bps >= 1e9 && bps % 1e7 === 0) return `${bps / 1e9} Gbps`;
  if (bps >= 1e6 && bps % 1e4 === 0) return `${bps / 1e6} Mbps`;
  if (bps >= 1e3) return `${bps / 1e3} kbps`;
  return `${bps} bps`;
}

export function formatSeconds(ns: number): string {
  if (ns >= 1e9) return `${(ns / 1e9).toFixed(3)} s`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(3)} ms`;
  return `${(ns / 1e3).toFixed(1)} µs`;
}
