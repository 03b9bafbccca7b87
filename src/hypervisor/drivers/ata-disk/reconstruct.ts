/**
 * ATA reconstruction (ATA/ATAPI-6). A drive's state is mostly the trace of its last command,
 * so the last command is run again — through the command block registers, with the shared
 * disk's own data — to the position the capture describes:
 *
 * - settings: SET MULTIPLE MODE and INITIALIZE DEVICE PARAMETERS when they differ from power-on;
 * - idle: the sector buffer primed by reading a sector that holds its bytes (or IDENTIFY), the
 *   last command run again (a data command for one sector; a write re-writes the sector's own
 *   data, leaving the disk as it is), then the task file, features and device control;
 * - a PIO transfer (DRQ): the command re-issued at the current sector — for READ/WRITE
 *   MULTIPLE from as many sectors before it as the DRQ block has already moved — and the data
 *   port driven word by word to the captured position (writes send the guest's bytes);
 * - BSY (command or between blocks): the command, or the block's last word, issued at the
 *   icount that leaves the captured time of BSY; the drive's BSY times are measured first on
 *   the destination's own drive (they are its property, not the guest's).
 * - a soft reset (a lone master): SRST held, or released and BSY until the drive's diagnostic
 *   ends — the drive rebuilt as it was before it, then SRST asserted (and released at the icount
 *   that leaves the captured BSY time; the drive's reset time measured first);
 * - the error register holding the diagnostic code (a reset or diagnostic since the last
 *   command; captured so while BSY): a real soft reset after the commands run here.
 * What cannot be produced is named in the report (a soft reset on a two-drive channel; a
 * buffer no sector holds).
 *
 * A channel with a slave (reconstructAtaChannel, at the end): each drive rebuilt the same way,
 * addressed through its own DEV bit, the drive the guest did not select first.
 */
import type { ReconstructContext } from '../driver.js';
import type { CapturedView } from '../../captured.js';
import { sharedStorage, slaveStorage, type SharedStorage } from '../../storage.js';
import { HypervisorError } from '../../errors.js';
import { defaultGeometry } from '../../../devices/ata-identify.js';
import { CMD_IDENTIFY, CMD_READ, CMD_WRITE, DIAGNOSTIC_PASSED } from './shadow.js';
import { ATA_COMMAND, ATA_CONTROL, ATA_DATA, ATA_ERROR, ATA_SELECT, ATA_STATUS } from './ports.js';
import {
  addressing, delayOr, findSector, lbaOf, measureDrive, NIEN, readWords, same, softReset, SRST, waitNotBusy, writeTaskFile, writeWords,
  type Delays, type TaskFile,
} from './drive-io.js';

const BSY = 0x80;
const DRQ = 0x08;
const MULTIPLE = [0xc4, 0xc5];
/** Non-data commands that neither read nor change the task file: FLUSH CACHE, SET FEATURES, RECALIBRATE (ATA-6 8.x). */
const KEEPS_TASK_FILE = (cmd: number): boolean => cmd === 0xe7 || cmd === 0xef || (cmd & 0xf0) === 0x10;

/** What a fresh drive has after power-on (ATA-6 9.1): no multiple mode, the default geometry. */
export interface AtaPowerOn {
  heads: number;
  sectors: number;
}

/** Which drive a reconstruction drives: its DEV bit, its device name, its shared disk. */
export interface AtaDriveTarget {
  /** The device/head DEV bit that selects it: 0 (master) or 0x10 (slave). */
  dev: number;
  name: string;
  storage: SharedStorage;
  /** The source's INTRQ was pending on this drive (the selected one): re-raise it. */
  pendingIrq: boolean;
  /**
   * The selected drive of a two-drive channel: the other drive's copy of the task file, i.e.
   * what the guest last wrote (null for the other drive). When this drive's own transfer has
   * advanced its copy since, the transfer is re-run from there so both copies come out right.
   */
  latched: TaskFile | null;
  /** Set when the transfer was re-run from `latched` (both drives' task files then are the guest's). */
  latchedHonoured?: boolean;
}

export function reconstructAta(ctx: ReconstructContext, t: CapturedView, powerOn: AtaPowerOn, drive?: AtaDriveTarget): void {
  const io = ctx.io;
  const tl = ctx.timeline;
  const storage = drive?.storage ?? sharedStorage(io.machine);
  const dev = drive?.dev ?? 0;
  const name = drive?.name ?? 'ata0';
  // A lone master's own capture; a two-drive channel's target says it for the selected drive.
  const pendingIrq = drive?.pendingIrq ?? t.num('irq_pending') === 1;
  /** This drive is the one the guest selected (its task file is written last and answers reads). */
  const isSelected = (t.num('select') & 0x10) === dev;
  /** A device/head value that addresses this drive (a lone master takes the guest's value as it is, as it always did). */
  const own = (select: number) => (drive === undefined ? select : (select & ~0x10) | dev);
  const heads = t.num('chs_heads');
  const spt = t.num('chs_sectors');
  const mult = t.num('mult_sectors');
  const buffer = t.arr('buffer', new Array<number>(512).fill(0));
  const phase = t.num('xfer_phase');
  const command = t.num('command');
  const feature = t.num('feature');
  const target: TaskFile = { nsector: t.num('nsector'), sector: t.num('sector'), lcyl: t.num('lcyl'), hcyl: t.num('hcyl'), select: t.num('select') };
  const delays: Delays = { command: -1, sector: -1, reset: -1 };
  if (phase === 1 || phase === 4) measureDrive(io, delays, dev);
  /** A soft reset is rebuilt on a lone master only: SRST resets both drives of a channel. */
  const resetPhase = phase === 5 || phase === 6;
  const rebuildsReset = resetPhase && drive === undefined;
  if (phase === 6 && rebuildsReset) {
    io.out8(ATA_CONTROL, NIEN);
    waitNotBusy(io);
    delays.reset = softReset(io);
  }

  const run = (cmd: number, tf: TaskFile) => {
    writeTaskFile(io, tf, feature);
    io.out8(ATA_COMMAND, cmd);
    const d = waitNotBusy(io);
    if (delays.command < 0 && d > 0) delays.command = d;
  };

  /** Put `bytes` in the sector buffer by reading a sector that holds them (or IDENTIFY); true if done. */
  const prime = (bytes: number[], candidates: number[], viaCommand: number): boolean => {
    if (bytes.every((b) => b === 0) && (phase === 0 || resetPhase) && command === 0) return true;
    if (viaCommand !== CMD_IDENTIFY) {
      const lba = findSector(storage.readSector, storage.geometry.total, bytes, candidates);
      if (lba >= 0) {
        const cmd = CMD_READ.includes(viaCommand) && (!MULTIPLE.includes(viaCommand) || mult > 0) ? viaCommand : 0x20;
        run(cmd, { ...addressing(lba, 0xe0 | dev, heads, spt), nsector: 1 });
        readWords(io, 256);
        return true;
      }
    }
    {
      run(CMD_IDENTIFY, { ...target, select: own(target.select) });
      const words = readWords(io, 256);
      const got = words.flatMap((w) => [w & 0xff, w >>> 8]);
      if (same(got, bytes)) return true;
    }
    return false;
  };

  /**
   * The error register holds the drive's diagnostic code at the switch-over (captured so: a
   * reset or a diagnostic since the last command) but the commands run here left their own
   * result (`error`, read from the drive): a real soft reset leaves this drive's own code, and
   * the task file is written again after it. Returns the error register as it is then. SRST
   * resets both drives of a channel: a lone master only (else the error check notes it).
   */
  const restoreDiagnostic = (error: number): number => {
    if (drive !== undefined || !t.known('error') || t.num('error') !== DIAGNOSTIC_PASSED || error === DIAGNOSTIC_PASSED) return error;
    softReset(io);
    writeTaskFile(io, { ...target, select: own(target.select) }, feature);
    return io.in8(ATA_ERROR);
  };

  /**
   * Idle after a data command that advanced this drive's task file: the transfer the guest
   * started from `latched` (LBA L0, C0 sectors) if it ends where this drive's task file stands
   * (L0 + C0, count 0) with the last sector's bytes in the buffer; else null.
   */
  const replayFrom = (latched: TaskFile | null): { tf: TaskFile; lba: number; count: number; command: number } | null => {
    if (latched === null) return null;
    // The last command moved the data, or came after it and leaves the task file alone (then a
    // READ SECTORS of the same sectors leaves what the guest's transfer left, read or write).
    const data = CMD_READ.includes(command) || CMD_WRITE.includes(command);
    if (!data && !KEEPS_TASK_FILE(command)) return null;
    if (MULTIPLE.includes(command) && mult === 0) return null;
    const l0 = lbaOf(latched, heads, spt);
    const c0 = latched.nsector === 0 ? 256 : latched.nsector;
    if (l0 < 0 || target.nsector !== 0 || (latched.select & 0xf0) !== (target.select & 0xf0)) return null;
    if (lbaOf(target, heads, spt) !== l0 + c0 || l0 + c0 > storage.geometry.total) return null;
    if (!same(storage.readSector(l0 + c0 - 1), buffer)) return null;
    return { tf: { ...latched, select: own(latched.select) }, lba: l0, count: c0, command: data ? command : 0x20 };
  };

  tl.at(tl.start, `${name}: settings, sector buffer, the last command, task file`, () => {
    io.out8(ATA_CONTROL, 0x02); // nIEN while we run commands
    waitNotBusy(io);
    const tfLba = lbaOf(target, heads, spt);
    const xferLba = t.num('xfer_lba');
    const replay = phase === 0 ? replayFrom(drive?.latched ?? null) : null;
    // IDENTIFY data shows the drive's settings (words 47, 59, 54-56): a buffer no sector holds
    // (idle, or before a command in its BSY time) is primed before SET MULTIPLE / INITIALIZE
    // DEVICE PARAMETERS, as the guest read it. Two-drive channels only, for now: a lone master
    // keeps the order its recorded destinations have.
    let primed = false;
    if (drive !== undefined && ((phase === 0 && replay === null) || phase === 1) && !(buffer.every((b) => b === 0) && command === 0)
      && findSector(storage.readSector, storage.geometry.total, buffer, [tfLba - 1, tfLba, xferLba]) < 0) {
      run(CMD_IDENTIFY, { ...target, select: own(target.select) });
      primed = same(readWords(io, 256).flatMap((w) => [w & 0xff, w >>> 8]), buffer);
    }
    // ata-multiple-lost: the settings step forgets SET MULTIPLE (a drive's block count looks like power-on state).
    if (mult !== 0 && !ctx.options.faults.has('ata-multiple-lost')) run(0xc6, { ...target, nsector: mult, select: 0xa0 | dev });
    if (heads !== powerOn.heads || spt !== powerOn.sectors) run(0x91, { ...target, nsector: spt, select: 0xa0 | dev | ((heads - 1) & 0x0f) });
    if (replay !== null) {
      drive!.latchedHonoured = true;
      // The guest's whole last transfer, from the task file it wrote (the other drive still holds it).
      writeTaskFile(io, replay.tf, feature);
      io.out8(ATA_COMMAND, replay.command);
      waitNotBusy(io);
      const isWrite = CMD_WRITE.includes(replay.command);
      for (let k = 0; k < replay.count; k++) {
        if (isWrite) writeWords(io, storage.readSector(replay.lba + k), 256);
        else readWords(io, 256);
        waitNotBusy(io);
      }
      // The transfer's last interrupt (a read's last DRQ block, a write's completion) is the
      // source's pending one when the guest had not read the status since (xv6 never does after a write).
      if (!pendingIrq || replay.command !== command) io.in8(ATA_STATUS);
      if (replay.command !== command) {
        // The guest's last command came after the transfer and leaves the task file alone: run it again.
        io.out8(ATA_COMMAND, command);
        waitNotBusy(io);
        if (pendingIrq) ctx.notes.push(`${name}: INTRQ pending at the switch-over: re-raised by running command 0x${command.toString(16)} again`);
        else io.in8(ATA_STATUS);
      }
      const error = io.in8(ATA_ERROR);
      if (t.known('error') && error !== t.num('error')) ctx.notes.push(`${name}: error register 0x${error.toString(16)}, captured 0x${t.num('error').toString(16)}`);
    } else if (phase === 0 || rebuildsReset) {
      // Idle, or idle before a soft reset that is asserted last (held) or at its time (released).
      const viaCommand = CMD_READ.includes(command) || command === CMD_IDENTIFY ? command : 0x20;
      if (!primed && !prime(buffer, [tfLba - 1, tfLba, xferLba], viaCommand)) {
        ctx.notes.push(`${name}: no sector of the shared disk holds the captured buffer: the sector buffer differs`);
      }
      if (CMD_WRITE.includes(command)) {
        // Re-write the sector the buffer holds with its own data: the disk is unchanged.
        const lba = [tfLba - 1, tfLba].find((l) => l >= 0 && same(storage.readSector(l), buffer));
        if (lba !== undefined && (!MULTIPLE.includes(command) || mult > 0)) {
          run(command, { ...addressing(lba, 0xe0 | dev, heads, spt), nsector: 1 });
          writeWords(io, buffer, 256);
          waitNotBusy(io);
        }
      } else if (!CMD_READ.includes(command) && command !== CMD_IDENTIFY && command !== 0) {
        const params = command === 0xc6 ? { ...target, nsector: mult, select: 0xa0 | dev }
          : command === 0x91 ? { ...target, nsector: spt, select: 0xa0 | dev | ((heads - 1) & 0x0f) } : { ...target, select: own(target.select) };
        run(command, params);
      }
      // INTRQ of our commands: the guest had read its status — unless the source's was pending.
      // Then the last command we ran raised it anew (every command ends in an interrupt: the
      // non-data one run again, the priming read's DRQ, the re-written sector's completion).
      const reRaised = pendingIrq && command !== 0;
      if (!reRaised) io.in8(ATA_STATUS);
      else ctx.notes.push(`${name}: INTRQ pending at the switch-over: re-raised by running command 0x${command.toString(16)} again`);
      if (pendingIrq && !reRaised) ctx.notes.push(`${name}: INTRQ pending at the switch-over with no command to raise it: taken as clear`);
      writeTaskFile(io, target, feature);
      let error = drive === undefined || isSelected ? io.in8(ATA_ERROR) : t.num('error');
      if (!reRaised) error = restoreDiagnostic(error); // (a reset drops INTRQ)
      if (t.known('error') && error !== t.num('error')) ctx.notes.push(`${name}: error register 0x${error.toString(16)}, captured 0x${t.num('error').toString(16)}`);
    } else if (phase === 2 || phase === 3 || phase === 4) {
      if (positionTransfer(ctx, t, phase, delays, buffer, heads, spt, mult, storage, dev, name, own, drive?.latched ?? null, pendingIrq) && drive !== undefined) drive.latchedHonoured = true;
    } else if (phase === 1) {
      // Before the command: its buffer is the previous one.
      if (!primed && !prime(buffer, [tfLba - 1, tfLba], 0x20)) ctx.notes.push(`${name}: the sector buffer before the command could not be primed`);
      if (delays.command < 0) run(0xe7, { ...target, select: own(target.select) }); // FLUSH CACHE: measures the drive's BSY time
      io.in8(ATA_STATUS);
      // The command written at its time finds the error register as the guest's did.
      if (drive === undefined && t.known('error')) restoreDiagnostic(io.in8(ATA_ERROR));
    } else {
      ctx.notes.push(`${name}: a soft reset (SRST) was in progress: not reconstructed`);
    }
    io.out8(ATA_CONTROL, t.num('devctl') & 0x06); // SRST held: the reset is asserted here
  });
  if (phase === 6 && rebuildsReset) {
    const remaining = t.num('busy_timer', 0);
    const devctl = t.num('devctl') & NIEN;
    tl.at(tl.end - Math.max(0, delayOr(delays, 'reset', 5000) - remaining), `${name}: SRST asserted and released (the reset BSY ${remaining} instructions from done at the switch-over)`, () => {
      io.out8(ATA_CONTROL, devctl | SRST);
      io.out8(ATA_CONTROL, devctl);
    });
  }
  if (phase === 1) {
    const remaining = t.num('busy_timer', 0);
    tl.at(tl.end - Math.max(0, delayOr(delays, 'command', 2000) - remaining), `${name}: command 0x${command.toString(16)} (BSY ${remaining} instructions from done at the switch-over)`, () => {
      writeTaskFile(io, target, feature);
      io.out8(ATA_COMMAND, command);
    });
  }
  if (phase === 4) {
    const remaining = t.num('busy_timer', 0);
    tl.at(tl.end - Math.max(0, delayOr(delays, 'sector', 1000) - remaining), `${name}: the DRQ block's last word (BSY until the next block)`, () => {
      const isWrite = CMD_WRITE.includes(t.num('xfer_cmd'));
      if (isWrite) io.out16(ATA_DATA, buffer[510] | (buffer[511] << 8));
      else io.in16(ATA_DATA);
    });
  }
}

/** Re-issue the data command and move the data port to the captured sector and byte; true if from the other drive's latched task file. */
function positionTransfer(
  ctx: ReconstructContext, t: CapturedView, phase: number, delays: Delays,
  buffer: number[], heads: number, spt: number, mult: number, storage: SharedStorage, dev: number, name: string, own: (select: number) => number, latched: TaskFile | null,
  pendingIrq = false,
): boolean {
  const io = ctx.io;
  const readSector = storage.readSector;
  const cmd = t.num('xfer_cmd');
  const isWrite = CMD_WRITE.includes(cmd);
  const multiple = MULTIPLE.includes(cmd);
  // Between blocks: stand one word before the end of the block's last sector.
  const lba = phase === 4 ? t.num('xfer_lba') - 1 : t.num('xfer_lba');
  const remaining = phase === 4 ? t.num('xfer_remaining') + 1 : t.num('xfer_remaining');
  const block = phase === 4 ? 1 : t.num('block_remaining');
  const pos = phase === 4 ? 510 : t.num('buf_pos');
  // The command goes to this drive: its DEV bit (the guest's own when it is the selected drive).
  const select = own(t.num('select'));
  if (cmd === CMD_IDENTIFY) {
    io.out8(ATA_SELECT, select);
    io.out8(ATA_COMMAND, CMD_IDENTIFY);
    waitNotBusy(io);
    readWords(io, pos / 2);
    // Its DRQ raised INTRQ: it stays when the guest had not read the status yet.
    if (!pendingIrq) io.in8(ATA_STATUS);
    return false;
  }
  let pre = multiple ? Math.min(mult, remaining + mult - block) - block : 0;
  let fromLatched = false;
  // Two drives: from where the guest started it (the other drive's copy of the task file),
  // when that is this transfer's start — both drives' task files then come out as the guest's.
  if (latched !== null) {
    const l0 = lbaOf(latched, heads, spt);
    const c0 = latched.nsector === 0 ? 256 : latched.nsector;
    if (l0 >= 0 && l0 <= lba && c0 === remaining + (lba - l0) && (latched.select & 0xf0) === (select & 0xf0) && lba - l0 >= pre) {
      pre = lba - l0;
      fromLatched = true;
    }
  }
  // A data-out block's INTRQ pending: it was raised when this block began, after the previous
  // block's BSY (the first block raises none: DRQ at once). Re-issued at the block, the write
  // would begin with it and raise nothing, so it is re-issued a block earlier (those sectors
  // re-written with the shared disk's data, which is what the guest wrote there).
  if (pendingIrq && isWrite && phase === 3 && pre === 0) {
    const back = multiple ? mult : 1;
    if (lba - back >= 0 && remaining + back <= 256) pre = back;
    else ctx.notes.push(`${name}: INTRQ pending in a data-out block that cannot be re-issued a block earlier: taken as clear`);
  }
  const start = lba - pre;
  const count = remaining + pre;
  if (start < 0 || count > 256) {
    ctx.notes.push(`${name}: the transfer cannot be re-issued to the same position`);
    return false;
  }
  if (isWrite && pre === 0 && pos < 512) {
    // The bytes past the position are the buffer's previous contents: read a sector holding them.
    const total = storage.geometry.total;
    const from = findSector(readSector, total, buffer, [lba - 1, lba], pos);
    if (from >= 0) {
      writeTaskFile(io, { ...addressing(from, 0xe0 | dev, heads, spt), nsector: 1 }, 0);
      io.out8(ATA_COMMAND, 0x20);
      waitNotBusy(io);
      readWords(io, 256);
    } else {
      // Or IDENTIFY data (a write right after IDENTIFY): check the words it gives.
      io.out8(ATA_SELECT, 0xa0 | dev);
      io.out8(ATA_COMMAND, CMD_IDENTIFY);
      waitNotBusy(io);
      const got = readWords(io, 256).flatMap((w) => [w & 0xff, w >>> 8]);
      if (!same(got, buffer, pos)) ctx.notes.push(`${name}: no sector (nor IDENTIFY) holds the buffer bytes past the write position: they differ`);
    }
  }
  const tf = { ...addressing(start, select, heads, spt), nsector: count & 0xff };
  writeTaskFile(io, tf, t.num('feature'));
  io.out8(ATA_COMMAND, cmd);
  delays.command = waitNotBusy(io);
  for (let k = 0; k < pre; k++) {
    if (isWrite) writeWords(io, readSector(start + k), 256);
    else readWords(io, 256);
    if (io.in8(ATA_CONTROL) & BSY) delays.sector = waitNotBusy(io);
  }
  if (!(io.in8(ATA_CONTROL) & DRQ)) {
    ctx.notes.push(`${name}: the re-issued transfer did not reach DRQ`);
    return false;
  }
  if (isWrite) writeWords(io, buffer, pos / 2);
  else readWords(io, pos / 2);
  if (phase === 4 && delays.sector < 0) {
    ctx.notes.push(`${name}: the drive's between-block BSY time was not measured: the default is assumed`);
  }
  // The block's INTRQ (DRQ raised it) stays when the guest had not read the status yet.
  if (!(pendingIrq && (phase === 2 || phase === 3))) io.in8(ATA_STATUS);
  return fromLatched;
}

/**
 * The channel: a lone master exactly as it always was; with a slave (ATA-6 5.2), the drive
 * the guest did not select first, addressed through its DEV bit, then the selected drive,
 * whose task file — the guest's device/head value, DEV included — is written last, so the
 * guest's selection is what both drives latched last. Both drives latch every task-file
 * write, so the other drive's copies of the shared registers end as the selected drive's
 * last write leaves them: right whenever the two agreed on the source (the guest's writes
 * reach both), noted where they did not (a drive's own transfer advanced its copy).
 *
 * INTRQ is the selected drive's. Whether the source's was pending the shadow knows (an
 * interrupt owed and not cleared by a status read); the selected drive's last command, a
 * non-data one, run again raises it anew, and a data block's DRQ raises it (reconstructAta).
 */
export function reconstructAtaChannel(ctx: ReconstructContext, faults: { dropDev: boolean }): void {
  const io = ctx.io;
  const master = ctx.must('ata0');
  const slave = ctx.view('ata0.slave');
  const slaveDisk = slaveStorage(io.machine);
  if (slave === null && slaveDisk === null) {
    reconstructAta(ctx, master, defaultGeometry(io.machine.board.disk.backing.sectors));
    return;
  }
  if (slave === null || slaveDisk === null) {
    throw new HypervisorError('HV_MACHINE_MISMATCH', slave === null
      ? 'the destination has an ATA slave disk (ata0.slave) the source did not capture'
      : 'the source captured an ATA slave (ata0.slave) the destination has no disk for');
  }
  const masterDisk = sharedStorage(io.machine);
  const guestSelect = master.num('select');
  const slaveSelected = (guestSelect & 0x10) !== 0;
  const selected = slaveSelected ? slave : master;
  // The selected drive's INTRQ (the shadow follows the interrupts the guest has not cleared).
  const pendingIrq = selected.num('irq_pending') === 1;
  const other = slaveSelected ? master : slave;
  const latched: TaskFile = {
    nsector: other.num('nsector'), sector: other.num('sector'), lcyl: other.num('lcyl'), hcyl: other.num('hcyl'), select: other.num('select'),
  };
  const target = (dev: number, name: string, storage: SharedStorage): AtaDriveTarget => {
    const isSelected = dev === (guestSelect & 0x10);
    return { dev, name, storage, pendingIrq: pendingIrq && isSelected, latched: isSelected ? latched : null };
  };
  const drives = [
    { view: master, target: target(0, 'ata0', masterDisk) },
    { view: slave, target: target(0x10, 'ata0.slave', slaveDisk) },
  ];
  if (!slaveSelected) drives.reverse();
  for (const d of drives) {
    reconstructAta(ctx, d.view, { heads: d.target.storage.geometry.heads, sectors: d.target.storage.geometry.sectors }, d.target);
  }
  const otherName = slaveSelected ? 'ata0' : 'ata0.slave';
  const selectedTarget = drives[1].target;
  ctx.timeline.at(ctx.timeline.start, `${otherName}: the task-file copies both drives latch`, () => {
    if (selectedTarget.latchedHonoured) return;
    for (const f of ['nsector', 'sector', 'lcyl', 'hcyl'] as const) {
      if (other.num(f) !== selected.num(f)) {
        ctx.notes.push(`${otherName}.${f}: 0x${other.num(f).toString(16)} on the source, the selected drive's 0x${selected.num(f).toString(16)}: both drives latch every task-file write and the selected drive's transfer could not be re-run from the other's copy, so the destination's copy may be the selected drive's`);
      }
    }
  });
  if (faults.dropDev && slaveSelected) {
    ctx.timeline.at(ctx.timeline.start, 'ata0: device/head written with DEV = 0 (fault ata-selected-drive-lost)', () => {
      io.out8(ATA_SELECT, guestSelect & ~0x10);
    });
  }
}
