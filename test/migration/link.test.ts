import { describe, expect, it } from 'vitest';
import { PhysicalMemory } from '../../src/machine/memory.js';
import { LinkModel, parseBandwidth, parseLatency } from '../../src/migration/link.js';
import { WINDOW_UNSPLIT, computeMetrics } from '../../src/migration/metrics.js';
import { DEFAULT_THRESHOLD_BYTES } from '../../src/migration/options.js';
import { sendPages } from '../../src/migration/pages.js';
import { PHASE_STOP_AND_COPY, StreamWriter } from '../../src/migration/stream.js';

const MiB = 1024 * 1024;

describe('link model', () => {
  it('reproduces BLMVisor\'s arithmetic: at 1 Gbps the 64 MiB threshold takes ≈0.54 s to copy', () => {
    const link = new LinkModel();
    expect(DEFAULT_THRESHOLD_BYTES).toBe(64 * MiB);
    expect(link.params.bandwidthBitsPerSecond).toBe(1e9);
    expect(link.transferNs(64 * MiB)).toBe(536_870_912);
    expect(link.transferNs(64 * MiB) / 1e9).toBeCloseTo(0.54, 2);
  });

  it('the final copy of 64 MiB of dirty pages through the real stream takes ≈0.54 s of virtual time', () => {
    const memory = new PhysicalMemory(64 * MiB);
    for (let i = 0; i < memory.ram.length; i += 512) memory.ram[i] = (i >>> 12) | 1; // no zero pages
    let bytes = 0;
    const writer = new StreamWriter((b) => (bytes += b.length));
    const pages = Uint32Array.from({ length: memory.ramPages }, (_, i) => i);
    const sent = sendPages(writer, memory, pages, PHASE_STOP_AND_COPY, 1, 0);
    expect(sent.zeroPages).toBe(0);
    expect(sent.pages).toBe(16384);
    const m = computeMetrics({
      strategy: 'precopy',
      link: new LinkModel().params,
      instructionsPerSecond: 100_000_000,
      thresholdBytes: DEFAULT_THRESHOLD_BYTES,
      maxRounds: 30,
      startIcount: 0,
      rounds: [],
      forced: false,
      onNoConvergence: 'throttle',
      noConvergenceRound: 0,
      switchIcount: 0,
      stopCopyPages: sent.pages,
      stopCopyZeroPages: 0,
      stopCopyBytes: sent.bytes,
      stopCopyPageBytes: sent.bytes,
      capturePausedInstructions: 0,
      reconstructInstructions: 0,
      window: WINDOW_UNSPLIT,
      aheadFromIcount: 0,
      postcopy: null,
    });
    // Framing adds well under 0.1%: 0.537 s, the paper's "0.5 second" for 64 MiB.
    expect(bytes).toBe(sent.bytes + 12);
    expect(m.finalCopyNs / 1e9).toBeGreaterThan(0.5368);
    expect(m.finalCopyNs / 1e9).toBeLessThan(0.5375);
    expect(m.downtimeNs).toBe(m.finalCopyNs + 100_000); // plus one latency, nothing captured or reconstructed here
  });

  it('converts between time and the guest\'s instructions exactly, beyond 2^53', () => {
    const link = new LinkModel({ bandwidthBitsPerSecond: 1e9, latencyNanoseconds: 0 }, 100_000_000);
    expect(link.instructions(10)).toBe(1);
    expect(link.instructions(11)).toBe(2);
    expect(link.nanoseconds(3)).toBe(30);
    expect(link.transferNs(2 ** 50)).toBe(2 ** 53 * 1e9 / 1e9);
    expect(link.bytesIn(8_000)).toBe(1_000);
  });

  it('parses bandwidths and latencies, and refuses nonsense', () => {
    expect(parseBandwidth('1Gbps')).toBe(1e9);
    expect(parseBandwidth('2.5 Gbps')).toBe(2.5e9);
    expect(parseBandwidth('100M')).toBe(1e8);
    expect(parseLatency('100us')).toBe(100_000);
    expect(parseLatency('1.5ms')).toBe(1_500_000);
    expect(parseLatency('0')).toBe(0);
    expect(() => parseBandwidth('fast')).toThrow(/not a bandwidth/);
    expect(() => parseBandwidth('0')).toThrow(/positive/);
    expect(() => parseLatency('-1ms')).toThrow(/not a latency/);
  });
});
