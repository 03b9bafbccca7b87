/** Every committed image follows the boot protocol in guests/README.md. */
import { describe, expect, it } from 'vitest';
import { guestImage, readManifest } from './expectations.js';

const HEADER_MAGIC = 0x4247544d; // "MTGB" at offset 0x04
const SECTOR1_MAGIC = 0x3147544d; // "MTG1" at offset 0x200
const ARGS_OFFSET = 0x1a0;
const ARGS_SIZE = 94;

describe.each(readManifest().map((e) => e.name))('%s image', (name) => {
  const image = guestImage(name);
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);

  it('has the boot header, the signature and the sector-1 magic', () => {
    expect(image[0]).toBe(0xeb); // short jmp over the header
    expect(view.getUint16(0x02, true)).toBe(1);
    expect(view.getUint32(0x04, true)).toBe(HEADER_MAGIC);
    expect(view.getUint16(0x0a, true)).toBe(ARGS_OFFSET);
    expect(view.getUint16(0x0c, true)).toBe(ARGS_SIZE);
    expect(image[0x1fe]).toBe(0x55);
    expect(image[0x1ff]).toBe(0xaa);
    expect(view.getUint32(0x200, true)).toBe(SECTOR1_MAGIC);
  });

  it('records how many sectors follow sector 0', () => {
    expect(image.length % 512).toBe(0);
    expect(view.getUint16(0x08, true)).toBe(image.length / 512 - 1);
  });

  it('ships with an empty argument region', () => {
    expect([...image.subarray(ARGS_OFFSET, ARGS_OFFSET + ARGS_SIZE)].every((b) => b === 0)).toBe(true);
  });
});
