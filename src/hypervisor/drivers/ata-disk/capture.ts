/**
 * ATA capture (ATA/ATAPI-6, 7.x "Command block registers"), per drive; a channel with a slave
 * reads the other drive by switching DEV (captureAtaChannel).
 *
 * Read: the alternate status (no side effect, unlike the status register, which clears INTRQ); when
 * BSY is clear the task file (error, sector count, LBA/CHS, device/head — reads without side
 * effects). While BSY they read as the status: the values come from the shadow then — the
 * error register too when the shadow knows it holds the diagnostic code (no command completed
 * since power-on, a reset or EXECUTE DEVICE DIAGNOSTIC), and a reset in progress (SRST released,
 * BSY) is told from a command's BSY by the shadow.
 * Shadow: features, command, device control, the settings commands' results, and the PIO
 * transfer — which sector, how far into it, how much of the DRQ block is left, the sector
 * buffer (the words seen on the trapped data port, or the shared disk's sector).
 * BSY time left: not readable and not known to the hypervisor (the drive's timing); measured
 * by watching the alternate status, guest paused, until BSY drops (a step that takes time:
 * done after the zero-time reads). The drive then carries on, as it would have for the guest.
 * INTRQ pending (a `line`): set at each DRQ block and completion, cleared by the guest's
 * status read: the shadow follows the interrupts owed, trapping status reads while one is.
 */
import type { CaptureContext } from '../driver.js';
import { DeviceCaptureBuilder } from '../../captured.js';
import { CMD_WRITE, DIAGNOSTIC_PASSED, type AtaChannelShadow, type AtaShadow } from './shadow.js';
import { ATA_CONTROL, ATA_ERROR, ATA_HCYL, ATA_LCYL, ATA_NSECTOR, ATA_SECTOR, ATA_SELECT } from './ports.js';

const BSY = 0x80;
const DRQ = 0x08;
const SECTOR = 512;
/** Device/head register: DEV, the drive it selects (ATA-6 7.10). */
const DEV = 0x10;

/** What a drive answers at the command block: the alternate status, and the task file when not BSY (null then). */
interface DriveRegisters {
  status: number;
  taskfile: { error: number; nsector: number; sector: number; lcyl: number; hcyl: number; select: number } | null;
}

/** Read the selected drive's registers, the alternate status first (no side effects; ATA-6 7.x). */
function readRegisters(io: CaptureContext['io']): DriveRegisters {
  const status = io.in8(ATA_CONTROL);
  if (status & BSY) return { status, taskfile: null };
  return {
    status,
    taskfile: {
      error: io.in8(ATA_ERROR), nsector: io.in8(ATA_NSECTOR), sector: io.in8(ATA_SECTOR),
      lcyl: io.in8(ATA_LCYL), hcyl: io.in8(ATA_HCYL), select: io.in8(ATA_SELECT),
    },
  };
}

/** The master alone (a channel without a slave): the drive the registers answer for is always it. */
export function captureAta(ctx: CaptureContext, sh: AtaShadow): DeviceCaptureBuilder {
  return captureDrive(ctx, sh, 'ata0', readRegisters(ctx.io), true);
}

/**
 * Both drives of a channel with a slave (ATA-6 5.2). The selected drive answers first, read as
 * a lone drive is; then the other drive is selected through the device/head register (both
 * drives latch the write), its registers read the same way, and the guest's device/head value
 * written back — so DEV, and the selected drive's whole task file, are the guest's again. The
 * other drive's device/head register is not readable (selecting it overwrote it): it is the
 * guest's last write, from the shadow. When the selected drive is BSY it ignores the
 * device/head write (7.1: the host may not write the command block while BSY), so the other
 * drive is read once BSY has dropped (an after-step: it is not selected, so it changes only if
 * it runs a command itself, which is noted). Returns [master, slave].
 */
export function captureAtaChannel(ctx: CaptureContext, ch: AtaChannelShadow): DeviceCaptureBuilder[] {
  const { io, notes } = ctx;
  const regs = readRegisters(io);
  // DEV as the selected drive's device/head register reads it (both drives latched the guest's last write).
  const guestSelect = regs.taskfile?.select ?? ch.selectedDrive.taskfile.select;
  const selected = guestSelect & DEV ? ch.slave! : ch.master;
  const other = selected === ch.master ? ch.slave! : ch.master;
  const name = (d: AtaShadow) => (d.drive === 0 ? 'ata0' : 'ata0.slave');
  const builders: DeviceCaptureBuilder[] = [];
  builders[selected.drive] = captureDrive(ctx, selected, name(selected), regs, true);
  const readOther = (): DriveRegisters => {
    io.out8(ATA_SELECT, guestSelect ^ DEV);
    const r = readRegisters(io);
    io.out8(ATA_SELECT, guestSelect);
    // The other drive's device/head: the guest's last write (selecting it overwrote the drive's copy).
    if (r.taskfile !== null) r.taskfile.select = other.taskfile.select;
    if (r.status & BSY) notes.push(`${name(other)}: BSY while the other drive was selected: its BSY time is not measured`);
    return r;
  };
  if (regs.taskfile !== null) {
    builders[other.drive] = captureDrive(ctx, other, name(other), readOther(), false);
  } else {
    const b = new DeviceCaptureBuilder(ctx.schema(name(other)));
    builders[other.drive] = b;
    ctx.after.push(() => {
      const r = readOther();
      fillDrive(ctx, other, name(other), r, false, b);
      notes.push(`${name(other)}: read after ${name(selected)}'s BSY dropped (it ignores a device/head write while BSY)`);
    });
  }
  return builders;
}

function captureDrive(ctx: CaptureContext, sh: AtaShadow, name: string, regs: DriveRegisters, probe: boolean): DeviceCaptureBuilder {
  const b = new DeviceCaptureBuilder(ctx.schema(name));
  fillDrive(ctx, sh, name, regs, probe, b);
  return b;
}

function fillDrive(ctx: CaptureContext, sh: AtaShadow, name: string, regs: DriveRegisters, probe: boolean, b: DeviceCaptureBuilder): void {
  const { io, notes } = ctx;
  const status = regs.status;
  b.set('status', status, 'read');
  const busy = (status & BSY) !== 0;
  if (regs.taskfile !== null) {
    const r = regs.taskfile;
    b.set('error', r.error, 'read');
    b.set('nsector', r.nsector, 'read');
    b.set('sector', r.sector, 'read');
    b.set('lcyl', r.lcyl, 'read');
    b.set('hcyl', r.hcyl, 'read');
    b.set('select', r.select, 'read');
  } else {
    const t = sh.taskfile;
    b.set('nsector', t.nsector, 'shadow').set('sector', t.sector, 'shadow').set('lcyl', t.lcyl, 'shadow');
    b.set('hcyl', t.hcyl, 'shadow').set('select', t.select, 'shadow');
    // BSY keeps the error register as it was: the diagnostic code when the shadow saw the last
    // thing that set it be a power-on, a reset or EXECUTE DEVICE DIAGNOSTIC (not between the
    // blocks of a transfer, whose command has set it since).
    const between = sh.transfer !== null && sh.transfer.betweenBlocks;
    if (sh.errorIsDiagnostic && !between) {
      b.set('error', DIAGNOSTIC_PASSED, 'inferred');
      notes.push(`${name}: BSY at capture: the error register holds the diagnostic code (no command has completed since the last reset or diagnostic): taken as 0x${DIAGNOSTIC_PASSED.toString(16).padStart(2, '0')}, passed`);
    } else {
      b.markUnknown('error');
      notes.push(`${name}: BSY at capture: the error register is not readable`);
    }
  }
  const known = (f: 'feature' | 'command' | 'devctl') => sh.known.has(f);
  if (known('feature')) b.set('feature', sh.feature, 'shadow'); else b.markUnknown('feature');
  if (known('command')) b.set('command', sh.command, 'shadow'); else b.markUnknown('command');
  if (known('devctl')) b.set('devctl', sh.devctl, 'shadow'); else b.markUnknown('devctl');
  // A settings command takes effect when its BSY ends.
  const settingsPending = busy && sh.transfer === null && (sh.command === 0xc6 || sh.command === 0x91);
  const settings = settingsPending ? sh.settingsBefore : { mult: sh.mult, heads: sh.heads, sectors: sh.sectors };
  if (sh.known.has('mult_sectors')) b.set('mult_sectors', settings.mult, 'shadow'); else b.markUnknown('mult_sectors');
  if (sh.known.has('chs_heads')) b.set('chs_heads', settings.heads, 'shadow'); else b.markUnknown('chs_heads');
  if (sh.known.has('chs_sectors')) b.set('chs_sectors', settings.sectors, 'shadow'); else b.markUnknown('chs_sectors');

  const x = sh.transfer;
  if (status & DRQ && x !== null) sh.blockStarted();
  let phase = 0;
  if (sh.devctl & 0x04) phase = 5;
  else if (busy && sh.resetting) phase = 6; // SRST released: the reset completes when BSY drops
  else if (busy) phase = x !== null && x.betweenBlocks ? 4 : 1;
  else if (status & DRQ && x !== null) phase = CMD_WRITE.includes(x.command) ? 3 : 2;
  const transferring = phase === 2 || phase === 3 || phase === 4;
  b.set('xfer_phase', phase, 'inferred');
  b.set('xfer_cmd', transferring ? x!.command : 0, 'inferred');
  b.set('xfer_lba', transferring ? x!.lba : 0, 'inferred');
  b.set('xfer_remaining', transferring ? x!.remaining : 0, 'inferred');
  b.set('block_remaining', phase === 2 || phase === 3 ? x!.block : 0, 'inferred');
  b.set('buf_pos', phase === 2 || phase === 3 ? x!.pos : 0, 'inferred');
  b.set('buf_end', transferring ? SECTOR : 0, 'inferred');
  b.set('buffer', Array.from(sh.buffer), 'inferred');
  // INTRQ: an interrupt owed (the shadow) has been raised once BSY dropped.
  b.set('irq_pending', sh.interruptOwed && !busy ? 1 : 0, 'inferred');
  b.set('busy_timer', busy ? -2 : -1, 'inferred');
  if (busy && probe) {
    ctx.probes.push({
      limit: 10_000_000,
      check(elapsed) {
        if (io.in8(ATA_CONTROL) & BSY) return false;
        b.set('busy_timer', elapsed, 'inferred');
        return true;
      },
      giveUp() {
        notes.push(`${name}: BSY did not drop within the probe limit`);
      },
    });
  }
}
