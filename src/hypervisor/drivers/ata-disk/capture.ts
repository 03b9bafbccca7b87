/**
 * ATA capture (ATA/ATAPI-6, 7.x "Command block registers").
 *
 * Read: the alternate status (no side effect, unlike the status register, which clears INTRQ); when
 * BSY is clear the task file (error, sector count, LBA/CHS, device/head — reads without side
 * effects). While BSY they read as the status: the values come from the shadow then.
 * Shadow: features, command, device control, the settings commands' results, and the PIO
 * transfer — which sector, how far into it, how much of the DRQ block is left, the sector
 * buffer (the words seen on the trapped data port, or the shared disk's sector).
 * BSY time left: not readable and not known to the hypervisor (the drive's timing); measured
 * by watching the alternate status, guest paused, until BSY drops (a step that takes time:
 * done after the zero-time reads). The drive then carries on, as it would have for the guest.
 * INTRQ pending (a `line`): set at each DRQ block and completion, cleared by the guest's
 * status read, which is not trapped: taken as clear (the guest reads status in its handler).
 */
import type { CaptureContext } from '../driver.js';
import { DeviceCaptureBuilder } from '../../captured.js';
import { CMD_WRITE, type AtaShadow } from './shadow.js';
import { ATA_CONTROL, ATA_ERROR, ATA_HCYL, ATA_LCYL, ATA_NSECTOR, ATA_SECTOR, ATA_SELECT } from './ports.js';

const BSY = 0x80;
const DRQ = 0x08;
const SECTOR = 512;

export function captureAta(ctx: CaptureContext, sh: AtaShadow): DeviceCaptureBuilder {
  const { io, notes } = ctx;
  const b = new DeviceCaptureBuilder(ctx.schema('ata0'));
  const status = io.in8(ATA_CONTROL);
  b.set('status', status, 'read');
  const busy = (status & BSY) !== 0;
  if (!busy) {
    b.set('error', io.in8(ATA_ERROR), 'read');
    b.set('nsector', io.in8(ATA_NSECTOR), 'read');
    b.set('sector', io.in8(ATA_SECTOR), 'read');
    b.set('lcyl', io.in8(ATA_LCYL), 'read');
    b.set('hcyl', io.in8(ATA_HCYL), 'read');
    b.set('select', io.in8(ATA_SELECT), 'read');
  } else {
    const t = sh.taskfile;
    b.set('nsector', t.nsector, 'shadow').set('sector', t.sector, 'shadow').set('lcyl', t.lcyl, 'shadow');
    b.set('hcyl', t.hcyl, 'shadow').set('select', t.select, 'shadow');
    b.markUnknown('error');
    notes.push('ata0: BSY at capture: the error register is not readable');
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
  b.set('irq_pending', 0, 'inferred');
  b.set('busy_timer', busy ? -2 : -1, 'inferred');
  if (phase === 5) notes.push('ata0: SRST held at capture: the reset is not reconstructed');
  if (busy) {
    ctx.probes.push({
      limit: 10_000_000,
      check(elapsed) {
        if (io.in8(ATA_CONTROL) & BSY) return false;
        b.set('busy_timer', elapsed, 'inferred');
        return true;
      },
      giveUp() {
        notes.push('ata0: BSY did not drop within the probe limit');
      },
    });
  }
  return b;
}
