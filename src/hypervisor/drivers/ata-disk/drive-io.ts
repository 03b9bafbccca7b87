/**
 * An ATA drive driven through its registers on the destination (ATA/ATAPI-6): waiting for BSY
 * to drop, moving words through the data port, writing a task file, a soft reset, finding a
 * shared-disk sector that holds given bytes, and measuring the drive's own BSY times — the
 * means reconstruct.ts rebuilds a drive with.
 */
import type { HvIo } from '../../hv-io.js';
import {
  ATA_COMMAND, ATA_CONTROL, ATA_DATA, ATA_FEATURE, ATA_HCYL, ATA_LCYL, ATA_NSECTOR, ATA_SECTOR, ATA_SELECT, ATA_STATUS,
} from './ports.js';

const BSY = 0x80;
/** Device control: nIEN (INTRQ masked), SRST (ATA-6 7.9). */
export const NIEN = 0x02;
export const SRST = 0x04;

export function waitNotBusy(io: HvIo): number {
  const start = io.now;
  for (let i = 0; i < 10_000_000 && io.in8(ATA_CONTROL) & BSY; i++) io.wait(1);
  return io.now - start;
}

/**
 * A soft reset (ATA-6 9.2), INTRQ masked: SRST asserted and released, then BSY until the drive
 * has run its diagnostic — it leaves the signature in the task file and the diagnostic code in
 * the error register, and keeps the command register, the settings and the buffer. Returns the
 * drive's reset time. Both drives of a channel reset.
 */
export function softReset(io: HvIo): number {
  io.out8(ATA_CONTROL, SRST | NIEN);
  io.out8(ATA_CONTROL, NIEN);
  return waitNotBusy(io);
}

export function readWords(io: HvIo, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(io.in16(ATA_DATA));
  return out;
}

export function writeWords(io: HvIo, bytes: ArrayLike<number>, n: number): void {
  for (let i = 0; i < n; i++) io.out16(ATA_DATA, bytes[2 * i] | (bytes[2 * i + 1] << 8));
}

export interface TaskFile {
  nsector: number;
  sector: number;
  lcyl: number;
  hcyl: number;
  select: number;
}

/** The task file addressing `lba` the way `select` does (LBA bit, or CHS with this geometry). */
export function addressing(lba: number, select: number, heads: number, spt: number): TaskFile {
  if (select & 0x40) {
    return { nsector: 0, sector: lba & 0xff, lcyl: (lba >>> 8) & 0xff, hcyl: (lba >>> 16) & 0xff, select: (select & 0xf0) | ((lba >>> 24) & 0x0f) };
  }
  const track = Math.floor(lba / spt);
  const cylinder = Math.floor(track / heads) & 0xffff;
  return { nsector: 0, sector: (lba % spt) + 1, lcyl: cylinder & 0xff, hcyl: cylinder >>> 8, select: (select & 0xf0) | (track % heads) };
}

export function lbaOf(t: TaskFile, heads: number, spt: number): number {
  if (t.select & 0x40) return (((t.select & 0x0f) << 24) | (t.hcyl << 16) | (t.lcyl << 8) | t.sector) >>> 0;
  if (t.sector === 0) return -1;
  return (((t.hcyl << 8) | t.lcyl) * heads + (t.select & 0x0f)) * spt + t.sector - 1;
}

export function writeTaskFile(io: HvIo, t: TaskFile, feature: number): void {
  io.out8(ATA_SELECT, t.select);
  io.out8(ATA_FEATURE, feature);
  io.out8(ATA_NSECTOR, t.nsector);
  io.out8(ATA_SECTOR, t.sector);
  io.out8(ATA_LCYL, t.lcyl);
  io.out8(ATA_HCYL, t.hcyl);
}

export function same(a: ArrayLike<number>, b: ArrayLike<number>, from = 0): boolean {
  for (let i = from; i < 512; i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return false;
  return true;
}

/** Sectors scanned at most when looking for one that holds given bytes (the likely ones go first). */
const SCAN_LIMIT = 1 << 20;

/** A sector of the shared disk whose bytes from `from` on are `bytes`' — the likely LBAs first, then a scan. */
export function findSector(readSector: (lba: number) => Uint8Array, total: number, bytes: ArrayLike<number>, likely: number[], from = 0): number {
  for (const lba of likely) if (lba >= 0 && lba < total && same(readSector(lba), bytes, from)) return lba;
  for (let lba = 0; lba < Math.min(total, SCAN_LIMIT); lba++) if (same(readSector(lba), bytes, from)) return lba;
  return -1;
}

/**
 * The drive's BSY times (its own property): a FLUSH CACHE shows the command time, a two-sector
 * READ SECTORS the time between DRQ blocks. Run before the window's actions are placed, with
 * INTRQ masked and cleared after.
 */
export function measureDrive(io: HvIo, delays: Delays, dev: number): void {
  io.out8(ATA_CONTROL, 0x02);
  waitNotBusy(io);
  io.out8(ATA_SELECT, 0xe0 | dev);
  io.out8(ATA_COMMAND, 0xe7);
  delays.command = waitNotBusy(io);
  io.out8(ATA_NSECTOR, 2);
  io.out8(ATA_SECTOR, 0);
  io.out8(ATA_LCYL, 0);
  io.out8(ATA_HCYL, 0);
  io.out8(ATA_SELECT, 0xe0 | dev);
  io.out8(ATA_COMMAND, 0x20);
  waitNotBusy(io);
  readWords(io, 256);
  delays.sector = waitNotBusy(io);
  readWords(io, 256);
  io.in8(ATA_STATUS);
}

/** The drive's BSY times as measured on the destination (-1: not measured). */
export interface Delays {
  command: number;
  sector: number;
  reset: number;
}

/** The measured BSY time, or a fallback when the drive could not be measured. */
export function delayOr(delays: Delays, which: keyof Delays, fallback: number): number {
  return delays[which] > 0 ? delays[which] : fallback;
}
