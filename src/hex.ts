/**
 * Numbers and bytes in hexadecimal, as datasheets and debuggers write them — the one helper
 * the whole tree uses (ports, registers, addresses, vectors, page numbers, hashes).
 */

/** "3f8", or "03f8" padded to `digits`; a negative int32 (a register read as signed) as its 32-bit pattern. */
export function hexDigits(n: number, digits = 0): string {
  return (n < 0 && n >= -0x80000000 ? n >>> 0 : n).toString(16).padStart(digits, '0');
}

/** "0x3f8", or "0x03" padded to `digits`. */
export function hex(n: number, digits = 0): string {
  return `0x${hexDigits(n, digits)}`;
}

/** Bytes as lowercase hex, two digits each ("a1b2…"): hashes, frames. */
export function hexBytes(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}
