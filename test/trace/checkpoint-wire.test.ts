import { describe, expect, it } from 'vitest';
import { deviceStateBytes, packedSint64 } from '../../src/trace/checkpoint-wire.js';
import { decode, encode, pb } from '../../src/trace/proto.js';
import { prng } from './helpers.js';

/** A checkpoint as protobufjs writes it from plain values, and as the writer writes it. */
function both(cpu: number[], devices: { device: number; values: number[] }[]): [Uint8Array, Uint8Array] {
  const pages = { ramPages: 4096, pages: [1, 7], hashes: new Uint8Array(32).fill(9), root: new Uint8Array(16).fill(3), oldHashes: new Uint8Array(32) };
  const common = { seq: 123_456_789_012, icount: 2 ** 40 + 5, ordinal: 17, pages };
  const plain = encode(pb.Checkpoint, { ...common, cpu, deviceStates: devices });
  const wire = encode(pb.CheckpointWire, {
    ...common,
    cpu: cpu.length > 0 ? packedSint64(cpu) : undefined,
    deviceStates: devices.map((d) => deviceStateBytes(d.device, d.values)),
  });
  return [plain, wire];
}

describe('checkpoint state values written without protobufjs (CheckpointWire)', () => {
  it('gives the bytes protobufjs gives a Checkpoint: every sint64 range, device 0, no values, no CPU values', () => {
    const edges = [0, 1, -1, 63, -64, 64, -65, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 51, -(2 ** 51), 2 ** 52 - 1, 2 ** 52, -(2 ** 52), 2 ** 53 - 1, -(2 ** 53 - 1)];
    const rnd = prng(3);
    const random = () => {
      const bits = Math.floor(rnd() * 53);
      const v = Math.floor(rnd() * 2 ** bits);
      return rnd() < 0.3 && v !== 0 ? -v : v;
    };
    const cases: [number[], { device: number; values: number[] }[]][] = [
      [edges, [{ device: 0, values: edges }, { device: 1, values: [] }, { device: 300, values: [5] }]],
      [[], [{ device: 0, values: [] }]],
      [[7], []],
      [Array.from({ length: 2000 }, random), Array.from({ length: 20 }, (_, d) => ({ device: d, values: Array.from({ length: d * 37 }, random) }))],
    ];
    for (const [cpu, devices] of cases) {
      const [plain, wire] = both(cpu, devices);
      expect(Buffer.from(wire).equals(Buffer.from(plain))).toBe(true);
      const back = decode<{ cpu: number[]; deviceStates: { device: number; values: number[] }[] }>(pb.Checkpoint, wire);
      expect(back.cpu).toEqual(cpu);
      expect(back.deviceStates).toEqual(devices);
    }
  });

  it('refuses a value that is not a safe integer', () => {
    expect(() => packedSint64([2 ** 53])).toThrow(/not a safe integer/);
    expect(() => deviceStateBytes(1, [0.5])).toThrow(/not a safe integer/);
  });
});
