/**
 * ATA disk geometry and IDENTIFY DEVICE data (ATA/ATAPI-6, T13/1410D, section 8.15,
 * Table 16), for the PIO disk in ata-disk.ts.
 */

/** LBA28 can address sectors 0 .. 2^28-1. */
export const LBA28_LIMIT = 0x0fffffff;
/** Largest SET MULTIPLE MODE block we accept (IDENTIFY word 47). */
export const MAX_MULTIPLE_SECTORS = 16;

export interface ChsGeometry {
  cylinders: number;
  heads: number;
  sectors: number;
}

/** Default (BIOS-style) geometry for a disk of `total` sectors: 16 heads × 63 sectors, shrunk for tiny disks. */
export function defaultGeometry(total: number): ChsGeometry {
  const sectors = Math.max(1, Math.min(63, total));
  const heads = Math.max(1, Math.min(16, Math.floor(total / sectors)));
  const cylinders = Math.max(1, Math.min(16383, Math.floor(total / (heads * sectors))));
  return { cylinders, heads, sectors };
}

/** Cylinders under a logical geometry set by INITIALIZE DEVICE PARAMETERS (0 when the geometry is unusable). */
export function logicalCylinders(total: number, heads: number, sectors: number): number {
  if (heads === 0 || sectors === 0) return 0;
  return Math.min(65535, Math.floor(Math.min(total, LBA28_LIMIT) / (heads * sectors)));
}

export interface IdentifyParams {
  model: string;
  serial: string;
  firmware: string;
  /** Disk capacity in sectors. */
  total: number;
  /** Current logical geometry (heads, sectors per track). */
  heads: number;
  sectorsPerTrack: number;
  /** Current READ/WRITE MULTIPLE block size, 0 when disabled. */
  multiple: number;
}

/** ATA strings put the first character of each pair in the high byte of the word (ATA-6 section 3.2.9). */
function putString(out: number[], word: number, words: number, text: string): void {
  const padded = text.padEnd(words * 2, ' ').slice(0, words * 2);
  for (let i = 0; i < words; i++) {
    out[(word + i) * 2] = padded.charCodeAt(2 * i + 1) & 0x7f;
    out[(word + i) * 2 + 1] = padded.charCodeAt(2 * i) & 0x7f;
  }
}

function putWord(out: number[], word: number, value: number): void {
  out[word * 2] = value & 0xff;
  out[word * 2 + 1] = (value >>> 8) & 0xff;
}

/** Fill the 512-byte `out` with the IDENTIFY DEVICE data, integrity word included. */
export function fillIdentify(out: number[], p: IdentifyParams): void {
  out.fill(0, 0, 512);
  const fallback = defaultGeometry(p.total);
  const lba28 = Math.min(p.total, LBA28_LIMIT);
  const cyl = logicalCylinders(p.total, p.heads, p.sectorsPerTrack);
  const chsCapacity = cyl * p.heads * p.sectorsPerTrack;
  putWord(out, 0, 0x0040); // fixed device, not removable
  putWord(out, 1, fallback.cylinders); // default logical cylinders
  putWord(out, 3, fallback.heads);
  putWord(out, 6, fallback.sectors);
  putString(out, 10, 10, p.serial);
  putString(out, 23, 4, p.firmware);
  putString(out, 27, 20, p.model);
  putWord(out, 47, 0x8000 | MAX_MULTIPLE_SECTORS);
  putWord(out, 48, 0x0001); // 32-bit data port transfers work (ATA-1 "doubleword I/O")
  putWord(out, 49, 1 << 9); // LBA supported; no DMA
  putWord(out, 51, 0x0200); // PIO timing mode 2
  putWord(out, 53, 0x0003); // words 54-58 and 64-70 valid
  putWord(out, 54, cyl);
  putWord(out, 55, p.heads);
  putWord(out, 56, p.sectorsPerTrack);
  putWord(out, 57, chsCapacity & 0xffff);
  putWord(out, 58, chsCapacity >>> 16);
  putWord(out, 59, p.multiple !== 0 ? 0x0100 | p.multiple : 0);
  putWord(out, 60, lba28 & 0xffff);
  putWord(out, 61, lba28 >>> 16);
  putWord(out, 64, 0x0003); // PIO modes 3 and 4
  putWord(out, 65, 120);
  putWord(out, 66, 120);
  putWord(out, 67, 120);
  putWord(out, 68, 120);
  putWord(out, 80, 0x007e); // ATA-1 .. ATA-6
  putWord(out, 83, 0x4000 | 0x1000); // words 83-84 valid; FLUSH CACHE supported
  putWord(out, 84, 0x4000);
  putWord(out, 86, 0x1000); // FLUSH CACHE enabled
  putWord(out, 87, 0x4000);
  // Word 255: signature A5h and a checksum making all 512 bytes sum to 0 (ATA-6 8.15.61).
  out[510] = 0xa5;
  let sum = 0;
  for (let i = 0; i < 511; i++) sum += out[i];
  out[511] = -sum & 0xff;
}
