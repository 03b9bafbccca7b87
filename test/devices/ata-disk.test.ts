import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeConformance, makeTestBoard, type TestBoard } from './conformance.js';
import {
  AtaDisk, ATA_ER_ABRT, ATA_ER_IDNF, ATA_SR_BSY, ATA_SR_DRQ,
  ATA_SR_ERR, PHASE_DATA_IN, PHASE_NEXT_BLOCK,
} from '../../src/devices/ata-disk.js';
import { CopyOnWriteDiskBacking, MemoryDiskBacking, openDiskImage, type DiskBacking } from '../../src/devices/disk-backing.js';
import { InputError } from '../../src/errors.js';
import { BOARD } from '../../src/board/layout.js';
import { MARKS_PER_WORD, clearMarks, marksOf } from '../../src/devices/tracked-state.js';

const ATA_PRIMARY_BASE = BOARD.ata.command.base;
const ATA_PRIMARY_CONTROL = BOARD.ata.control;
const ATA_PRIMARY_IRQ = BOARD.ata.irq;

const DATA = 0, ERROR = 1, FEATURES = 1, NSECT = 2, LBA0 = 3, LBA1 = 4, LBA2 = 5, DEVICE = 6, STATUS = 7, COMMAND = 7;
const SECTORS = 2048; // 1 MiB
const DELAYS = { commandDelay: 100, sectorDelay: 50, resetDelay: 200 };

/** Sector n holds bytes (n + i) & 0xff, with n's LBA in the first 4 bytes. */
function patternDisk(sectors = SECTORS): MemoryDiskBacking {
  const bytes = new Uint8Array(sectors * 512);
  for (let n = 0; n < sectors; n++) {
    for (let i = 0; i < 512; i++) bytes[n * 512 + i] = (n + i) & 0xff;
    new DataView(bytes.buffer).setUint32(n * 512, n, true);
  }
  return new MemoryDiskBacking(bytes);
}

function expectedSector(n: number): number[] {
  const b = new Uint8Array(512);
  for (let i = 0; i < 512; i++) b[i] = (n + i) & 0xff;
  new DataView(b.buffer).setUint32(0, n, true);
  return [...b];
}

interface Rig {
  board: TestBoard;
  disk: AtaDisk;
  backing: DiskBacking;
  out(reg: number, v: number): void;
  inp(reg: number): number;
  alt(): number;
  ctl(v: number): void;
  readWords(n: number): number[];
  readSectorBytes(): number[];
  irq(): boolean;
  /** Advance past the current BSY period. */
  settle(): void;
}

function rig(backing: DiskBacking = patternDisk()): Rig {
  const board = makeTestBoard();
  const disk = new AtaDisk(board.ctx, BOARD.ata, backing, DELAYS);
  disk.attach(board.bus);
  disk.reset();
  const bus = board.bus;
  const r: Rig = {
    board, disk, backing,
    out: (reg, v) => bus.pioWrite(ATA_PRIMARY_BASE + reg, 1, v),
    inp: (reg) => bus.pioRead(ATA_PRIMARY_BASE + reg, 1),
    alt: () => bus.pioRead(ATA_PRIMARY_CONTROL, 1),
    ctl: (v) => bus.pioWrite(ATA_PRIMARY_CONTROL, 1, v),
    readWords: (n) => Array.from({ length: n }, () => bus.pioRead(ATA_PRIMARY_BASE, 2)),
    readSectorBytes: () => r.readWords(256).flatMap((w) => [w & 0xff, w >> 8]),
    irq: () => board.irqLevels[ATA_PRIMARY_IRQ],
    settle: () => board.advance(300),
  };
  return r;
}

function lbaCommand(r: Rig, cmd: number, lba: number, count: number): void {
  r.out(DEVICE, 0xe0 | ((lba >>> 24) & 0x0f));
  r.out(NSECT, count & 0xff);
  r.out(LBA0, lba & 0xff);
  r.out(LBA1, (lba >>> 8) & 0xff);
  r.out(LBA2, (lba >>> 16) & 0xff);
  r.out(COMMAND, cmd);
}

function identifyWords(r: Rig): number[] {
  r.out(DEVICE, 0xa0);
  r.out(COMMAND, 0xec);
  r.settle();
  return r.readWords(256);
}

function ataString(words: number[], first: number, count: number): string {
  let s = '';
  for (let i = first; i < first + count; i++) s += String.fromCharCode(words[i] >> 8, words[i] & 0xff);
  return s;
}

describe('ATA PIO disk', () => {
  it('powers on idle with the device signature: status 50h, error 01h, 01 01 00 00', () => {
    const r = rig();
    expect(r.inp(STATUS)).toBe(0x50);
    expect(r.inp(ERROR)).toBe(0x01);
    expect([r.inp(NSECT), r.inp(LBA0), r.inp(LBA1), r.inp(LBA2)]).toEqual([1, 1, 0, 0]);
  });

  it('IDENTIFY DEVICE: model, serial, firmware as byte-swapped ATA strings, LBA28 capacity, checksum', () => {
    const r = rig();
    r.out(COMMAND, 0xec);
    expect(r.alt() & ATA_SR_BSY).toBe(ATA_SR_BSY);
    r.settle();
    expect(r.irq()).toBe(true);
    expect(r.alt() & (ATA_SR_DRQ | ATA_SR_BSY)).toBe(ATA_SR_DRQ);
    const w = r.readWords(256);
    expect(ataString(w, 27, 20)).toBe('MIGTRACE SHARED DISK'.padEnd(40));
    expect(ataString(w, 10, 10)).toBe('MT0000000001'.padEnd(20));
    expect(ataString(w, 23, 4)).toBe('1.0'.padEnd(8));
    expect(w[0]).toBe(0x0040);
    expect(w[49] & (1 << 9)).not.toBe(0); // LBA
    expect(w[60] | (w[61] << 16)).toBe(SECTORS);
    expect(w[47]).toBe(0x8010);
    expect(w[59]).toBe(0);
    expect([w[1], w[3], w[6]]).toEqual([2, 16, 63]); // 2048 sectors = 2 × 16 × 63 (+32)
    let sum = 0;
    for (const word of w) sum += (word & 0xff) + (word >> 8);
    expect(w[255] & 0xff).toBe(0xa5);
    expect(sum & 0xff).toBe(0);
    expect(r.inp(STATUS)).toBe(0x50); // DRQ off after the last word
  });

  it('READ SECTORS: the sector arrives through the data port; DRQ after BSY; IRQ cleared by reading status', () => {
    const r = rig();
    lbaCommand(r, 0x20, 77, 1);
    expect(r.inp(STATUS) & ATA_SR_BSY).toBe(ATA_SR_BSY);
    r.board.advance(DELAYS.commandDelay - 1);
    expect(r.alt() & ATA_SR_BSY).toBe(ATA_SR_BSY);
    r.board.advance(1);
    expect(r.alt()).toBe(0x58);
    expect(r.irq()).toBe(true);
    expect(r.alt()).toBe(0x58);
    expect(r.irq()).toBe(true); // the alternate status leaves INTRQ alone
    expect(r.inp(STATUS)).toBe(0x58);
    expect(r.irq()).toBe(false);
    expect(r.readSectorBytes()).toEqual(expectedSector(77));
    expect(r.inp(STATUS)).toBe(0x50);
    // The task file has advanced past the sector; the count has run down.
    expect([r.inp(NSECT), r.inp(LBA0), r.inp(LBA1), r.inp(LBA2)]).toEqual([0, 78, 0, 0]);
  });

  it('a data-port read marks the buffer position changed, not the 512-byte buffer it only reads (the recorder compares marked fields)', () => {
    const r = rig();
    lbaCommand(r, 0x20, 5, 1);
    r.settle();
    const fields = r.disk.schema.fields.filter((f) => !f.timer).map((f) => f.name);
    const marked = () => {
      const words = marksOf(r.disk.state);
      return fields.filter((_, i) => (words[Math.floor(i / MARKS_PER_WORD)] & (1 << i % MARKS_PER_WORD)) !== 0);
    };
    clearMarks(r.disk.state);
    expect(r.readWords(2)).toEqual([5, 0]);
    expect(marked()).toEqual(['buf_pos']);
    // A write through the data port does change the buffer: WRITE SECTORS marks it.
    lbaCommand(r, 0x30, 6, 1);
    r.settle();
    clearMarks(r.disk.state);
    r.out(DATA, 0x1234);
    expect(marked()).toContain('buffer');
  });

  it('stableRead is what a register read returns, except the status register\'s while INTRQ is pending (reading it acknowledges) and the data port', () => {
    const r = rig();
    const ports = [...Array.from({ length: 7 }, (_, i) => ATA_PRIMARY_BASE + 1 + i), ATA_PRIMARY_CONTROL];
    const check = (pending: boolean): void => {
      for (const port of ports) {
        const before = JSON.stringify(r.disk.state);
        const irq = r.irq();
        const s = r.board.bus.pioStableRead(port, 1);
        const v = r.board.bus.pioRead(port, 1);
        if (port === ATA_PRIMARY_BASE + STATUS && pending) {
          expect(s).toBe(-1);
          expect(r.irq()).toBe(false); // acknowledged
        } else {
          expect(s).toBe(v);
          expect(JSON.stringify(r.disk.state)).toBe(before);
          expect(r.irq()).toBe(irq);
        }
      }
      expect(r.board.bus.pioStableRead(ATA_PRIMARY_BASE + DATA, 2)).toBe(-1);
    };
    check(false); // idle
    lbaCommand(r, 0x20, 77, 1);
    check(false); // BSY: every register reads the status
    r.board.advance(DELAYS.commandDelay);
    expect(r.irq()).toBe(true);
    check(true); // DRQ and INTRQ: the status read acknowledges (the last port is the alternate status)
  });

  it('WRITE SECTORS: data written through the port lands in the backing store; completion IRQ after the block', () => {
    const r = rig();
    lbaCommand(r, 0x30, 300, 2);
    r.settle();
    expect(r.inp(STATUS)).toBe(0x58);
    expect(r.irq()).toBe(false); // PIO data-out: no interrupt before the first block
    for (let i = 0; i < 256; i++) r.board.bus.pioWrite(ATA_PRIMARY_BASE, 2, 0xa000 + i);
    expect(r.alt() & ATA_SR_BSY).toBe(ATA_SR_BSY);
    r.settle();
    expect(r.irq()).toBe(true); // next block
    expect(r.inp(STATUS)).toBe(0x58);
    for (let i = 0; i < 256; i++) r.board.bus.pioWrite(ATA_PRIMARY_BASE, 2, 0xb000 + i);
    r.settle();
    expect(r.irq()).toBe(true); // completion
    expect(r.inp(STATUS)).toBe(0x50);
    const buf = new Uint8Array(512);
    r.backing.readSector(300, buf);
    expect(buf[0] | (buf[1] << 8)).toBe(0xa000);
    expect(buf[510] | (buf[511] << 8)).toBe(0xa0ff);
    r.backing.readSector(301, buf);
    expect(buf[2] | (buf[3] << 8)).toBe(0xb001);
    // Read it back through the drive.
    lbaCommand(r, 0x20, 301, 1);
    r.settle();
    expect(r.readWords(3)).toEqual([0xb000, 0xb001, 0xb002]);
  });

  it('multi-sector READ SECTORS: one DRQ block and one IRQ per sector, BSY between them', () => {
    const r = rig();
    lbaCommand(r, 0x20, 10, 3);
    for (let n = 10; n < 13; n++) {
      r.settle();
      expect(r.irq(), `IRQ for sector ${n}`).toBe(true);
      expect(r.inp(STATUS)).toBe(0x58);
      expect(r.readSectorBytes()).toEqual(expectedSector(n));
      if (n < 12) expect(r.alt() & (ATA_SR_BSY | ATA_SR_DRQ)).toBe(ATA_SR_BSY);
    }
    expect(r.inp(STATUS)).toBe(0x50);
    expect(r.board.irqLog.filter((e) => e.startsWith('irq14=1'))).toHaveLength(3);
  });

  it('READ MULTIPLE after SET MULTIPLE MODE 4: six sectors in blocks of 4 and 2, one IRQ per block', () => {
    const r = rig();
    r.out(NSECT, 4);
    r.out(COMMAND, 0xc6);
    r.settle();
    expect(r.inp(STATUS)).toBe(0x50);
    expect(identifyWords(r)[59]).toBe(0x0104);
    r.board.irqLog.length = 0;
    lbaCommand(r, 0xc4, 100, 6);
    r.settle();
    r.inp(STATUS);
    for (let n = 100; n < 104; n++) expect(r.readSectorBytes()).toEqual(expectedSector(n));
    expect(r.alt() & ATA_SR_BSY).toBe(ATA_SR_BSY);
    r.settle();
    r.inp(STATUS);
    for (let n = 104; n < 106; n++) expect(r.readSectorBytes()).toEqual(expectedSector(n));
    expect(r.inp(STATUS)).toBe(0x50);
    expect(r.board.irqLog.filter((e) => e.startsWith('irq14=1'))).toHaveLength(2);
  });

  it('READ/WRITE MULTIPLE without SET MULTIPLE MODE abort; SET MULTIPLE with a bad size aborts', () => {
    const r = rig();
    lbaCommand(r, 0xc5, 0, 1);
    r.settle();
    expect(r.inp(STATUS)).toBe(0x51);
    expect(r.inp(ERROR)).toBe(ATA_ER_ABRT);
    r.out(NSECT, 3);
    r.out(COMMAND, 0xc6);
    r.settle();
    expect(r.inp(STATUS) & ATA_SR_ERR).toBe(ATA_SR_ERR);
  });

  it('an LBA range past the end of the disk fails with ERR and IDNF before any data moves', () => {
    const r = rig();
    lbaCommand(r, 0x20, SECTORS - 1, 2);
    r.settle();
    expect(r.irq()).toBe(true);
    expect(r.inp(STATUS)).toBe(0x51);
    expect(r.inp(ERROR)).toBe(ATA_ER_IDNF);
    lbaCommand(r, 0x20, SECTORS - 1, 1); // the last sector itself is fine
    r.settle();
    expect(r.inp(STATUS)).toBe(0x58);
    expect(r.readSectorBytes()).toEqual(expectedSector(SECTORS - 1));
  });

  it('nIEN suppresses INTRQ; the completion is still visible in the status', () => {
    const r = rig();
    r.ctl(0x02);
    lbaCommand(r, 0x20, 5, 1);
    r.settle();
    expect(r.irq()).toBe(false);
    expect(r.alt()).toBe(0x58);
    expect(r.board.irqLog).toEqual([]);
  });

  it('soft reset: SRST holds BSY, releasing it leaves the signature after the reset time', () => {
    const r = rig();
    lbaCommand(r, 0x20, 5, 2);
    r.settle();
    r.ctl(0x04);
    expect(r.alt()).toBe(ATA_SR_BSY);
    expect(r.irq()).toBe(false);
    r.board.advance(1000);
    expect(r.alt()).toBe(ATA_SR_BSY);
    r.ctl(0x00);
    r.board.advance(DELAYS.resetDelay - 1);
    expect(r.alt() & ATA_SR_BSY).toBe(ATA_SR_BSY);
    r.board.advance(1);
    expect(r.inp(STATUS)).toBe(0x50);
    expect([r.inp(ERROR), r.inp(NSECT), r.inp(LBA0), r.inp(LBA1), r.inp(LBA2), r.inp(DEVICE)]).toEqual([1, 1, 1, 0, 0, 0]);
    expect(r.readWords(1)).toEqual([0]); // the interrupted transfer is gone
    expect(r.irq()).toBe(false); // no interrupt after a soft reset
  });

  it('EXECUTE DEVICE DIAGNOSTIC sets the signature, error 01h, and interrupts', () => {
    const r = rig();
    r.out(NSECT, 0x33);
    r.out(COMMAND, 0x90);
    r.settle();
    expect(r.irq()).toBe(true);
    expect(r.inp(ERROR)).toBe(1);
    expect(r.inp(NSECT)).toBe(1);
  });

  it('CHS addressing follows the geometry from INITIALIZE DEVICE PARAMETERS', () => {
    const r = rig();
    r.out(DEVICE, 0xa0 | 3); // 4 heads
    r.out(NSECT, 8); // 8 sectors per track
    r.out(COMMAND, 0x91);
    r.settle();
    expect(r.inp(STATUS)).toBe(0x50);
    const w = identifyWords(r);
    expect([w[54], w[55], w[56]]).toEqual([SECTORS / 32, 4, 8]);
    // cylinder 2, head 3, sector 5 → (2 × 4 + 3) × 8 + 4 = 92
    r.out(DEVICE, 0xa0 | 3);
    r.out(NSECT, 2);
    r.out(LBA0, 5);
    r.out(LBA1, 2);
    r.out(LBA2, 0);
    r.out(COMMAND, 0x20);
    r.settle();
    expect(r.readSectorBytes()).toEqual(expectedSector(92));
    r.settle();
    expect(r.readSectorBytes()).toEqual(expectedSector(93));
    // The task file now addresses sector 94 in CHS terms: c2 h3 s7.
    expect([r.inp(LBA0), r.inp(LBA1), r.inp(DEVICE) & 0x0f]).toEqual([7, 2, 3]);
    r.out(LBA0, 9); // sector 9 > 8 per track
    r.out(NSECT, 1);
    r.out(COMMAND, 0x20);
    r.settle();
    expect(r.inp(STATUS)).toBe(0x51);
    expect(r.inp(ERROR)).toBe(ATA_ER_IDNF);
  });

  it('32-bit data port reads move two words at a time', () => {
    const r = rig();
    lbaCommand(r, 0x20, 9, 1);
    r.settle();
    const dwords = Array.from({ length: 128 }, () => r.board.bus.pioRead(ATA_PRIMARY_BASE, 4));
    const bytes = dwords.flatMap((d) => [d & 0xff, (d >>> 8) & 0xff, (d >>> 16) & 0xff, d >>> 24]);
    expect(bytes).toEqual(expectedSector(9));
    expect(r.inp(STATUS)).toBe(0x50);
  });

  it('while BSY, the other registers read as status and writes to them are ignored', () => {
    const r = rig();
    lbaCommand(r, 0x20, 0x0712, 1);
    r.out(LBA0, 0x99);
    expect(r.inp(LBA0)).toBe(ATA_SR_BSY);
    expect(r.inp(ERROR)).toBe(ATA_SR_BSY);
    r.settle();
    expect(r.readWords(1)[0]).toBe(0x0712); // sector 0x712 was read, not 0x799
  });

  it('selecting the absent device 1: status reads 0 and commands are ignored', () => {
    const r = rig();
    r.out(DEVICE, 0xb0);
    expect(r.inp(STATUS)).toBe(0);
    r.out(COMMAND, 0xec);
    r.settle();
    r.out(DEVICE, 0xa0);
    expect(r.inp(STATUS)).toBe(0x50);
  });

  it('unknown commands abort with ABRT; SET FEATURES and FLUSH CACHE complete', () => {
    const r = rig();
    for (const [cmd, status] of [[0xa1, 0x51], [0xef, 0x50], [0xe7, 0x50], [0x10, 0x50]] as const) {
      r.out(FEATURES, 0x03);
      r.out(COMMAND, cmd);
      r.settle();
      expect(r.irq(), `command ${cmd.toString(16)}`).toBe(true);
      expect(r.inp(STATUS), `command ${cmd.toString(16)}`).toBe(status);
    }
  });

  it('a read-only backing aborts write commands', () => {
    const r = rig(new MemoryDiskBacking(16, true));
    lbaCommand(r, 0x30, 0, 1);
    r.settle();
    expect(r.inp(STATUS)).toBe(0x51);
    expect(r.inp(ERROR)).toBe(ATA_ER_ABRT);
  });

  it('a snapshot taken mid-sector continues on a fresh drive over the same shared disk', () => {
    const shared = patternDisk();
    const a = rig(shared);
    lbaCommand(a, 0x20, 40, 3);
    a.settle();
    const first = a.readWords(100);
    expect(a.disk.state.xfer_phase).toBe(PHASE_DATA_IN);
    const snap = a.disk.snapshot();
    const b = rig(shared);
    b.board.clock.icount = a.board.clock.icount;
    b.disk.restore(snap);
    const rest = b.readWords(156).flatMap((w) => [w & 0xff, w >> 8]);
    expect([...first.flatMap((w) => [w & 0xff, w >> 8]), ...rest]).toEqual(expectedSector(40));
    expect(b.disk.state.xfer_phase).toBe(PHASE_NEXT_BLOCK);
    b.settle();
    expect(b.readSectorBytes()).toEqual(expectedSector(41));
  });
});

describe('disk backings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'migtrace-disk-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file image is read and written at sector offsets', () => {
    const path = join(dir, 'rw.img');
    writeFileSync(path, Buffer.alloc(4 * 512, 0x11));
    const disk = openDiskImage(path);
    expect(disk.sectors).toBe(4);
    const buf = new Uint8Array(512).fill(0x77);
    disk.writeSector(2, buf);
    const back = new Uint8Array(512);
    disk.readSector(1, back);
    expect(back[0]).toBe(0x11);
    disk.close();
    const bytes = readFileSync(path);
    expect(bytes[2 * 512]).toBe(0x77);
    expect(bytes[3 * 512]).toBe(0x11);
  });

  it('a missing image is an InputError naming the file', () => {
    expect(() => openDiskImage(join(dir, 'nope.img'))).toThrowError(InputError);
    expect(() => openDiskImage(join(dir, 'nope.img'))).toThrow(/nope\.img: no such file/);
  });

  it('an image whose size is not a multiple of 512, or empty, is refused', () => {
    const odd = join(dir, 'odd.img');
    writeFileSync(odd, Buffer.alloc(1000));
    expect(() => openDiskImage(odd)).toThrow(/1000 bytes, not a multiple of 512/);
    const empty = join(dir, 'empty.img');
    writeFileSync(empty, Buffer.alloc(0));
    expect(() => openDiskImage(empty)).toThrow(/is empty/);
    expect(() => openDiskImage(dir)).toThrowError(InputError);
  });

  it.skipIf(process.getuid?.() === 0)('a read-only file opened for writing is refused; read-only access works', () => {
    const path = join(dir, 'ro.img');
    writeFileSync(path, Buffer.alloc(512));
    chmodSync(path, 0o444);
    expect(() => openDiskImage(path)).toThrow(/cannot be opened for writing/);
    const disk = openDiskImage(path, { readOnly: true });
    expect(disk.readOnly).toBe(true);
    disk.close();
  });

  it('a copy-on-write overlay keeps writes to itself', () => {
    const base = patternDisk(8);
    const overlay = new CopyOnWriteDiskBacking(base);
    overlay.writeSector(3, new Uint8Array(512).fill(0xee));
    const buf = new Uint8Array(512);
    overlay.readSector(3, buf);
    expect(buf[100]).toBe(0xee);
    base.readSector(3, buf);
    expect([...buf]).toEqual(expectedSector(3));
  });
});

const windows = [
  { space: 'pio' as const, base: ATA_PRIMARY_BASE, length: 8 },
  { space: 'pio' as const, base: ATA_PRIMARY_CONTROL, length: 1 },
];

function conformanceDisk(board: TestBoard): AtaDisk {
  const disk = new AtaDisk(board.ctx, BOARD.ata, patternDisk(64), DELAYS);
  disk.attach(board.bus);
  disk.reset();
  return disk;
}

function probeDisk(board: TestBoard): number[] {
  const bus = board.bus;
  const seen: number[] = [];
  for (let step = 0; step < 4; step++) {
    seen.push(bus.pioRead(ATA_PRIMARY_CONTROL, 1), bus.pioRead(ATA_PRIMARY_BASE + 7, 1), bus.pioRead(ATA_PRIMARY_BASE + 2, 1));
    for (let i = 0; i < 130; i++) seen.push(bus.pioRead(ATA_PRIMARY_BASE, 4));
    for (let i = 0; i < 4; i++) bus.pioWrite(ATA_PRIMARY_BASE, 2, 0x1234 + i);
    board.advance(60);
  }
  return seen;
}

describeConformance({
  name: 'ATA disk, mid READ SECTORS (BSY between sectors)',
  create(board) {
    return { device: conformanceDisk(board), windows };
  },
  exercise(board) {
    const bus = board.bus;
    bus.pioWrite(ATA_PRIMARY_BASE + 6, 1, 0xe0);
    bus.pioWrite(ATA_PRIMARY_BASE + 2, 1, 3);
    bus.pioWrite(ATA_PRIMARY_BASE + 3, 1, 5);
    bus.pioWrite(ATA_PRIMARY_BASE + 7, 1, 0x20);
    board.advance(DELAYS.commandDelay);
    for (let i = 0; i < 256; i++) bus.pioRead(ATA_PRIMARY_BASE, 2); // sector 5 done: BSY, timer pending
  },
  probe: probeDisk,
});

describeConformance({
  name: 'ATA disk, mid WRITE MULTIPLE (DRQ, buffer half full)',
  create(board) {
    return { device: conformanceDisk(board), windows };
  },
  exercise(board) {
    const bus = board.bus;
    bus.pioWrite(ATA_PRIMARY_BASE + 2, 1, 2);
    bus.pioWrite(ATA_PRIMARY_BASE + 7, 1, 0xc6);
    board.advance(DELAYS.commandDelay);
    bus.pioRead(ATA_PRIMARY_BASE + 7, 1);
    bus.pioWrite(ATA_PRIMARY_BASE + 6, 1, 0xe0);
    bus.pioWrite(ATA_PRIMARY_BASE + 2, 1, 5);
    bus.pioWrite(ATA_PRIMARY_BASE + 3, 1, 20);
    bus.pioWrite(ATA_PRIMARY_BASE + 7, 1, 0xc5);
    board.advance(DELAYS.commandDelay);
    for (let i = 0; i < 300; i++) bus.pioWrite(ATA_PRIMARY_BASE, 2, i * 7);
  },
  probe: probeDisk,
});
