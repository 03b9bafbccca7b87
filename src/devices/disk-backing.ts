/**
 * What an ATA disk stores its sectors in: a host resource, handed to the device at
 * construction and never part of its state. A "shared disk": the source and the destination
 * of a migration open the same image, so contents are never migrated — only the
 * controller's state is (as BLMVisor does with iSCSI storage).
 *
 * - `openDiskImage(path, { readOnly })`: a raw image file, read and written synchronously at
 *   sector offsets (the simulation is single-threaded and deterministic). Every problem with
 *   the file is an InputError at open time, never mid-run.
 * - `MemoryDiskBacking`: sectors in a buffer (tests, generated images).
 * - `CopyOnWriteDiskBacking`: a base backing that is never written; writes stay in memory.
 *   Two runs that must start from the same disk contents (a reference run and a migrated
 *   run) each take an overlay over the same image.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { statRegularFile } from '../files.js';
import { InputError, MachineFault } from '../errors.js';

export const SECTOR_SIZE = 512;

export interface DiskBacking {
  /** Fill `buf` (at least 512 bytes) with sector `lba`. */
  readSector(lba: number, buf: Uint8Array): void;
  /** Store the first 512 bytes of `buf` as sector `lba`. */
  writeSector(lba: number, buf: Uint8Array): void;
  /** Capacity in 512-byte sectors. */
  readonly sectors: number;
  /** Writes are refused (the drive aborts write commands). */
  readonly readOnly: boolean;
}

function checkLba(backing: DiskBacking, lba: number): void {
  if (!Number.isSafeInteger(lba) || lba < 0 || lba >= backing.sectors) {
    throw new RangeError(`sector ${lba} is outside a disk of ${backing.sectors} sectors`);
  }
}

export class MemoryDiskBacking implements DiskBacking {
  readonly bytes: Uint8Array;
  readonly sectors: number;

  /** `contents`: a sector count (zero-filled disk) or the image bytes (copied; a multiple of 512). */
  constructor(
    contents: number | Uint8Array,
    readonly readOnly = false,
  ) {
    if (typeof contents === 'number') {
      this.bytes = new Uint8Array(contents * SECTOR_SIZE);
    } else {
      if (contents.length % SECTOR_SIZE !== 0) {
        throw new InputError('BAD_DISK_IMAGE', `disk image of ${contents.length} bytes is not a multiple of ${SECTOR_SIZE}`);
      }
      this.bytes = contents.slice();
    }
    this.sectors = this.bytes.length / SECTOR_SIZE;
  }

  readSector(lba: number, buf: Uint8Array): void {
    checkLba(this, lba);
    buf.set(this.bytes.subarray(lba * SECTOR_SIZE, (lba + 1) * SECTOR_SIZE));
  }

  writeSector(lba: number, buf: Uint8Array): void {
    checkLba(this, lba);
    if (this.readOnly) throw new Error('write to a read-only disk backing');
    this.bytes.set(buf.subarray(0, SECTOR_SIZE), lba * SECTOR_SIZE);
  }
}

export interface OpenDiskOptions {
  /** Open without write access; the guest's write commands then fail with ABRT. */
  readOnly?: boolean;
}

export class FileDiskBacking implements DiskBacking {
  private fd: number | null;

  /** Use openDiskImage: it checks the file and reports problems as InputErrors. */
  constructor(
    readonly path: string,
    fd: number,
    readonly sectors: number,
    readonly readOnly: boolean,
  ) {
    this.fd = fd;
  }

  readSector(lba: number, buf: Uint8Array): void {
    checkLba(this, lba);
    const fd = this.openFd();
    let done = 0;
    try {
      while (done < SECTOR_SIZE) {
        const n = readSync(fd, buf, done, SECTOR_SIZE - done, lba * SECTOR_SIZE + done);
        if (n === 0) break;
        done += n;
      }
    } catch (err) {
      throw new MachineFault('DISK_IO', `disk image ${this.path}: reading sector ${lba} failed: ${(err as Error).message}`);
    }
    buf.fill(0, done, SECTOR_SIZE); // a file truncated under us reads as zeros
  }

  writeSector(lba: number, buf: Uint8Array): void {
    checkLba(this, lba);
    if (this.readOnly) throw new Error('write to a read-only disk backing');
    const fd = this.openFd();
    let done = 0;
    try {
      while (done < SECTOR_SIZE) done += writeSync(fd, buf, done, SECTOR_SIZE - done, lba * SECTOR_SIZE + done);
    } catch (err) {
      throw new MachineFault('DISK_IO', `disk image ${this.path}: writing sector ${lba} failed: ${(err as Error).message}`);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private openFd(): number {
    if (this.fd === null) throw new Error(`disk image ${this.path} is closed`);
    return this.fd;
  }
}

/**
 * Open a raw disk image (a regular file whose size is a non-zero multiple of 512 bytes).
 * Problems are InputErrors with one-line messages: DISK_NOT_FOUND, DISK_READ_ONLY (write
 * access requested but refused), BAD_DISK_IMAGE (not a regular file, empty, bad size).
 */
export function openDiskImage(path: string, options: OpenDiskOptions = {}): FileDiskBacking {
  const readOnly = options.readOnly === true;
  // Before opening: opening a FIFO blocks until someone writes to it.
  statRegularFile(path, 'disk image', { notFound: 'DISK_NOT_FOUND', bad: 'BAD_DISK_IMAGE' });
  let fd: number;
  try {
    fd = openSync(path, readOnly ? 'r' : 'r+');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError('DISK_NOT_FOUND', `disk image ${path}: no such file`);
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new InputError('DISK_READ_ONLY', `disk image ${path} cannot be opened for writing (${code}); use a writable copy or open it read-only`);
    }
    if (code === 'EISDIR') throw new InputError('BAD_DISK_IMAGE', `disk image ${path} is a directory`);
    throw new InputError('BAD_DISK_IMAGE', `disk image ${path}: ${(err as Error).message}`);
  }
  const st = fstatSync(fd);
  let problem: string | null = null;
  if (!st.isFile()) problem = `disk image ${path} is not a regular file`;
  else if (st.size === 0) problem = `disk image ${path} is empty`;
  else if (st.size % SECTOR_SIZE !== 0) {
    problem = `disk image ${path} is ${st.size} bytes, not a multiple of ${SECTOR_SIZE}`;
  }
  if (problem !== null) {
    closeSync(fd);
    throw new InputError('BAD_DISK_IMAGE', problem);
  }
  return new FileDiskBacking(path, fd, st.size / SECTOR_SIZE, readOnly);
}

export class CopyOnWriteDiskBacking implements DiskBacking {
  readonly readOnly = false;
  /** Sectors written through this overlay, by LBA. */
  readonly written = new Map<number, Uint8Array>();

  constructor(readonly base: DiskBacking) {}

  get sectors(): number {
    return this.base.sectors;
  }

  readSector(lba: number, buf: Uint8Array): void {
    const own = this.written.get(lba);
    if (own !== undefined) buf.set(own);
    else this.base.readSector(lba, buf);
  }

  writeSector(lba: number, buf: Uint8Array): void {
    checkLba(this, lba);
    this.written.set(lba, buf.slice(0, SECTOR_SIZE));
  }
}
