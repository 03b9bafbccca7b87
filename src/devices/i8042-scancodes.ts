/**
 * Scan codes of the PC keyboard (IBM PS/2 keyboard technical reference): the set-1 codes a
 * guest reads from port 0x60 with the 8042's translation on (xv6's kbd.c, Linux's atkbd in
 * translated mode), the set-2 codes the keyboard itself sends on its cable, and the 8042's
 * translation between them. The keyboard model sends set 2; the controller translates when
 * its command byte's XLATE bit is set, as the chip does (a set-2 break prefix F0 turns the
 * next code into its set-1 break code, code | 0x80).
 */

/** Set-1 make code → set-2 make code, for every key of the 102-key keyboard (E0 keys share their base code). */
const SET1_TO_SET2: ReadonlyArray<readonly [number, number]> = [
  [0x01, 0x76], [0x02, 0x16], [0x03, 0x1e], [0x04, 0x26], [0x05, 0x25], [0x06, 0x2e], [0x07, 0x36], [0x08, 0x3d],
  [0x09, 0x3e], [0x0a, 0x46], [0x0b, 0x45], [0x0c, 0x4e], [0x0d, 0x55], [0x0e, 0x66], [0x0f, 0x0d], [0x10, 0x15],
  [0x11, 0x1d], [0x12, 0x24], [0x13, 0x2d], [0x14, 0x2c], [0x15, 0x35], [0x16, 0x3c], [0x17, 0x43], [0x18, 0x44],
  [0x19, 0x4d], [0x1a, 0x54], [0x1b, 0x5b], [0x1c, 0x5a], [0x1d, 0x14], [0x1e, 0x1c], [0x1f, 0x1b], [0x20, 0x23],
  [0x21, 0x2b], [0x22, 0x34], [0x23, 0x33], [0x24, 0x3b], [0x25, 0x42], [0x26, 0x4b], [0x27, 0x4c], [0x28, 0x52],
  [0x29, 0x0e], [0x2a, 0x12], [0x2b, 0x5d], [0x2c, 0x1a], [0x2d, 0x22], [0x2e, 0x21], [0x2f, 0x2a], [0x30, 0x32],
  [0x31, 0x31], [0x32, 0x3a], [0x33, 0x41], [0x34, 0x49], [0x35, 0x4a], [0x36, 0x59], [0x37, 0x7c], [0x38, 0x11],
  [0x39, 0x29], [0x3a, 0x58], [0x3b, 0x05], [0x3c, 0x06], [0x3d, 0x04], [0x3e, 0x0c], [0x3f, 0x03], [0x40, 0x0b],
  [0x41, 0x83], [0x42, 0x0a], [0x43, 0x01], [0x44, 0x09], [0x45, 0x77], [0x46, 0x7e], [0x47, 0x6c], [0x48, 0x75],
  [0x49, 0x7d], [0x4a, 0x7b], [0x4b, 0x6b], [0x4c, 0x73], [0x4d, 0x74], [0x4e, 0x79], [0x4f, 0x69], [0x50, 0x72],
  [0x51, 0x7a], [0x52, 0x70], [0x53, 0x71], [0x54, 0x84], [0x56, 0x61], [0x57, 0x78], [0x58, 0x07],
  // Only after an E0 prefix: left/right Windows keys, menu key.
  [0x5b, 0x1f], [0x5c, 0x27], [0x5d, 0x2f],
];

const toSet2 = new Map<number, number>(SET1_TO_SET2);
/** The 8042's translation table, for the codes a keyboard sends; other bytes (ACK, BAT, E0, E1) pass unchanged. */
const toSet1 = new Map<number, number>(SET1_TO_SET2.map(([s1, s2]) => [s2, s1]));
// The set-2 keyboard answers "current scan set" with 1, 2 or 3; translated, the guest reads 0x43, 0x41, 0x3F.
toSet1.set(0x02, 0x41);

export const SET2_BREAK_PREFIX = 0xf0;

/** True when `code` is a set-1 make or break code of a key, or an E0 / E1 prefix. */
export function isSet1Code(code: number): boolean {
  return code === 0xe0 || code === 0xe1 || toSet2.has(code & 0x7f);
}

/** The set-2 bytes the keyboard sends for set-1 codes (break codes get the F0 prefix). */
export function set1ToSet2(codes: Uint8Array): number[] {
  const out: number[] = [];
  for (const c of codes) {
    if (c === 0xe0 || c === 0xe1) out.push(c);
    else {
      if (c & 0x80) out.push(SET2_BREAK_PREFIX);
      out.push(toSet2.get(c & 0x7f)!);
    }
  }
  return out;
}

/** The 8042's translation of one set-2 byte (the break prefix is handled by the caller). */
export function translateSet2(code: number): number {
  return toSet1.get(code) ?? code;
}

/** Set-1 make codes of the printable US keyboard: [code, shifted]. */
const US_KEYS: Record<string, readonly [number, boolean]> = {};
function keys(row: string, shifted: string, first: number): void {
  for (let i = 0; i < row.length; i++) {
    if (row[i] !== ' ') US_KEYS[row[i]] = [first + i, false];
    if (shifted[i] !== ' ') US_KEYS[shifted[i]] = [first + i, true];
  }
}
keys('1234567890-=', '!@#$%^&*()_+', 0x02);
keys('qwertyuiop[]', 'QWERTYUIOP{}', 0x10);
keys("asdfghjkl;'`", 'ASDFGHJKL:"~', 0x1e);
keys('\\zxcvbnm,./', '|ZXCVBNM<>?', 0x2b);
US_KEYS[' '] = [0x39, false];
US_KEYS['\n'] = [0x1c, false];
US_KEYS['\r'] = [0x1c, false];
US_KEYS['\t'] = [0x0f, false];
US_KEYS['\b'] = [0x0e, false];
US_KEYS['\x1b'] = [0x01, false];

const LEFT_SHIFT = 0x2a;

/**
 * The set-1 codes a US keyboard sends when a person types `ch` (press, release; with the left
 * shift around it for shifted characters), or null for a character no key types.
 */
export function typeCharacter(ch: string): number[] | null {
  const k = US_KEYS[ch];
  if (k === undefined) return null;
  const [code, shifted] = k;
  return shifted ? [LEFT_SHIFT, code, code | 0x80, LEFT_SHIFT | 0x80] : [code, code | 0x80];
}
