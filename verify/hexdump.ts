/** Hexdump lines of one page, as `xxd` prints them: address, 16 bytes, ASCII. */
import { hexDigits } from '../src/hex.js';
export function hexdumpLines(bytes: Uint8Array | null, base: number, length = 4096): string[] {
  const out: string[] = [];
  for (let off = 0; off < length; off += 16) {
    const row: string[] = [];
    let ascii = '';
    for (let i = 0; i < 16; i++) {
      const b = bytes === null ? 0 : bytes[off + i];
      row.push(hexDigits(b, 2));
      ascii += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
    }
    out.push(`${hexDigits(base + off, 8)}  ${row.slice(0, 8).join(' ')}  ${row.slice(8).join(' ')}  |${ascii}|`);
  }
  return out;
}
