/**
 * A checkpoint's state values in protobuf's wire form, written without protobufjs.
 *
 * protobufjs writes a `repeated sint64` value through a LongBits object and a queued
 * operation each: measured, ~10 MB of garbage and a fifth of a checkpoint's time in a
 * 30,000-tick timer recording (302 checkpoints of ~1,000 values). Here the zigzag varints go
 * into one scratch buffer; pb.CheckpointWire (proto/trace.proto) carries the results as
 * `bytes` fields, which are on the wire what Checkpoint's packed field and embedded messages
 * are.
 */
import { putVarint, zigzag } from './format.js';

let scratch = new Uint8Array(16 * 1024);

/** Room for `n` more values of up to 10 bytes each at `pos` (the scratch buffer grown if needed). */
function room(pos: number, n: number): void {
  const need = pos + 10 * n + 16;
  if (need <= scratch.length) return;
  const bigger = new Uint8Array(Math.max(need, scratch.length * 2));
  bigger.set(scratch.subarray(0, pos));
  scratch = bigger;
}

/** protobuf's sint64 zigzag varint for a safe integer. */
function putSint64(buf: Uint8Array, pos: number, v: number): number {
  // 32-bit (most values: flags, registers' low halves, counts): the zigzag fits 32 unsigned bits.
  if ((v | 0) === v) return putVarint(buf, pos, ((v << 1) ^ (v >> 31)) >>> 0);
  if (!Number.isSafeInteger(v)) throw new RangeError(`${v} is not a safe integer`);
  if (v > -0x10_0000_0000_0000 && v < 0x10_0000_0000_0000) return putVarint(buf, pos, zigzag(v)); // |v| < 2^52: exact
  let z = BigInt(v) >= 0n ? BigInt(v) << 1n : (-BigInt(v) << 1n) - 1n;
  while (z >= 0x80n) {
    buf[pos++] = Number(z & 0x7fn) | 0x80;
    z >>= 7n;
  }
  buf[pos++] = Number(z);
  return pos;
}

/** The varints of a packed `repeated sint64` (its payload, without tag or length). */
export function packedSint64(values: readonly number[]): Uint8Array {
  room(0, values.length);
  let p = 0;
  for (let i = 0; i < values.length; i++) p = putSint64(scratch, p, values[i]);
  return scratch.slice(0, p);
}

/** An encoded DeviceState { device = 1; repeated sint64 values = 2 (packed) }, as protobufjs writes it. */
export function deviceStateBytes(device: number, values: readonly number[]): Uint8Array {
  room(0, values.length + 2);
  let p = 0;
  if (device !== 0) {
    // Field 1, varint; protobufjs leaves out a proto3 scalar at its default.
    scratch[p++] = 0x08;
    p = putVarint(scratch, p, device >>> 0);
  }
  if (values.length > 0) {
    // Field 2, length-delimited: the values go after a 5-byte gap, then move back over the unused part.
    scratch[p++] = 0x12;
    const lenAt = p;
    const start = lenAt + 5;
    let q = start;
    for (let i = 0; i < values.length; i++) q = putSint64(scratch, q, values[i]);
    const after = putVarint(scratch, lenAt, q - start);
    scratch.copyWithin(after, start, q);
    p = after + (q - start);
  }
  return scratch.slice(0, p);
}
