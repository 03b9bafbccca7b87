/**
 * An export file's layout as the fuzz tests take it apart and put it back (src/trace/export.ts):
 * a 20-byte preamble, varint-delimited frames, and a 40-byte trailer (total length, sha256).
 */
import { createHash } from 'node:crypto';
import { putVarint } from '../../src/trace/format.js';

export const PREAMBLE = 20;
export const TRAILER = 40;

/** The frame bodies between preamble and trailer. */
export function exportFrames(file: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let p = PREAMBLE;
  const end = file.length - TRAILER;
  while (p < end) {
    let len = 0;
    let mul = 1;
    for (;;) {
      const b = file[p++];
      len += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) break;
    }
    out.push(file.subarray(p, p + len));
    p += len;
  }
  return out;
}

/** A preamble and frame bodies, each with its varint length. */
export function joinFrames(preamble: Uint8Array, bodies: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [preamble];
  for (const f of bodies) {
    const head = new Uint8Array(10);
    parts.push(head.subarray(0, putVarint(head, 0, f.length)), f);
  }
  return Buffer.concat(parts);
}

/** Append the trailer: the total length and a correct sha256, so the frames get parsed. */
export function sealExport(body: Uint8Array): Uint8Array {
  const out = Buffer.alloc(body.length + TRAILER);
  out.set(body);
  out.writeBigUInt64LE(BigInt(out.length), body.length);
  createHash('sha256').update(out.subarray(0, out.length - 32)).digest().copy(out, out.length - 32);
  return out;
}
