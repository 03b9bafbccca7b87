/**
 * ATA capture (ATA/ATAPI-6, 7.x "Command block registers").
 *
 * Read: alternate status (0x3F6: no side effect, unlike 0x1F7 which clears INTRQ), and when
 * BSY is clear the task file (error, sector count, LBA/CHS, device/head: reads without side
 * effects). Shadow: features, command, device control, and the settings SET MULTIPLE MODE
 * and INITIALIZE DEVICE PARAMETERS leave behind.
 * Internal (sector buffer, transfer position, INTRQ pending, BSY timer): inferred for an idle
 * drive; in the middle of a PIO transfer the data-port position is not observable without
 * trapping the data port — the report names the fields it could not learn.
 */
import type { CaptureContext } from './context.js';
import { DeviceCaptureBuilder } from '../captured.js';
import type { StateSchema } from '../../devices/schema.js';

const BSY = 0x80;
const DRQ = 0x08;

export function captureAta(ctx: CaptureContext, schema: StateSchema, geometry: { heads: number; sectors: number }): DeviceCaptureBuilder {
  const { io, notes } = ctx;
  const sh = ctx.shadows.ata;
  const b = new DeviceCaptureBuilder(schema);
  const status = io.in8(0x3f6);
  b.set('status', status, 'read');
  if (!(status & BSY)) {
    b.set('error', io.in8(0x1f1), 'read');
    b.set('nsector', io.in8(0x1f2), 'read');
    b.set('sector', io.in8(0x1f3), 'read');
    b.set('lcyl', io.in8(0x1f4), 'read');
    b.set('hcyl', io.in8(0x1f5), 'read');
    b.set('select', io.in8(0x1f6), 'read');
  } else {
    // While BSY the task file reads as status; the values the guest wrote are in the shadow.
    for (const f of ['error', 'nsector', 'sector', 'lcyl', 'hcyl', 'select']) b.markUnknown(f);
    notes.push('ata0: BSY at capture: the task file is not readable');
  }
  const known = (f: 'feature' | 'command' | 'devctl') => sh.known.has(f);
  if (known('feature')) b.set('feature', sh.feature, 'shadow'); else b.markUnknown('feature');
  if (known('command')) b.set('command', sh.command, 'shadow'); else b.markUnknown('command');
  if (known('devctl')) b.set('devctl', sh.devctl, 'shadow'); else b.markUnknown('devctl');
  const settings = sh.settings(status, geometry);
  b.set('mult_sectors', settings.mult, 'shadow');
  b.set('chs_heads', settings.heads, 'shadow');
  b.set('chs_sectors', settings.sectors, 'shadow');
  const idle = !(status & (BSY | DRQ));
  if (idle) {
    b.set('buf_pos', 0, 'inferred').set('buf_end', 0, 'inferred').set('xfer_cmd', 0, 'inferred');
    b.set('xfer_phase', 0, 'inferred').set('xfer_remaining', 0, 'inferred').set('xfer_lba', 0, 'inferred');
    b.set('block_remaining', 0, 'inferred').set('busy_timer', -1, 'inferred');
    b.set('irq_pending', sh.irqPendingGuess(), 'inferred');
  } else {
    for (const f of ['buf_pos', 'buf_end', 'xfer_cmd', 'xfer_phase', 'xfer_remaining', 'xfer_lba', 'block_remaining', 'busy_timer', 'irq_pending']) b.markUnknown(f);
    notes.push('ata0: a command or PIO transfer is in progress: its position is internal (not reconstructed)');
  }
  b.markUnknown('buffer');
  return b;
}
