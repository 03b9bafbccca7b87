/**
 * ATA reconstruction (ATA/ATAPI-6): device control (nIEN; SRST is not replayed), the settings
 * commands the capture implies (SET MULTIPLE MODE, INITIALIZE DEVICE PARAMETERS — each run as
 * a command, waiting out its BSY time on the alternate status), then the task file and the
 * features register, and the command register — write-only and written last… except that
 * writing it starts a command. The last command is therefore not re-executed: `command` is
 * a residual unless the drive was idle with the same command (noted).
 */
import type { ReconstructContext } from './context.js';
import type { CapturedView } from '../captured.js';

function waitNotBusy(ctx: ReconstructContext): void {
  for (let i = 0; i < 1000 && ctx.io.in8(0x3f6) & 0x80; i++) ctx.io.wait(100);
}

/** What a fresh drive has after power-on (ATA-6 9.1): no multiple mode, the default geometry. */
export interface AtaPowerOn {
  heads: number;
  sectors: number;
}

export function reconstructAta(ctx: ReconstructContext, t: CapturedView, powerOn: AtaPowerOn): void {
  const io = ctx.io;
  ctx.timeline.at(ctx.timeline.start, 'ata0: settings commands, task file, device control', () => {
    const mult = t.num('mult_sectors');
    const geometryChanged = t.num('chs_heads') !== powerOn.heads || t.num('chs_sectors') !== powerOn.sectors;
    let ran = false;
    if (mult !== 0 || geometryChanged) {
      io.out8(0x3f6, 0x02); // nIEN while we run commands
      waitNotBusy(ctx);
      if (mult !== 0) {
        io.out8(0x1f6, 0xa0);
        io.out8(0x1f2, mult);
        io.out8(0x1f7, 0xc6);
        waitNotBusy(ctx);
      }
      if (geometryChanged) {
        io.out8(0x1f6, 0xa0 | ((t.num('chs_heads') - 1) & 0x0f));
        io.out8(0x1f2, t.num('chs_sectors'));
        io.out8(0x1f7, 0x91);
        waitNotBusy(ctx);
      }
      io.in8(0x1f7); // INTRQ from our commands: cleared
      ran = true;
    }
    if (t.known('nsector')) {
      io.out8(0x1f1, t.num('feature'));
      io.out8(0x1f2, t.num('nsector'));
      io.out8(0x1f3, t.num('sector'));
      io.out8(0x1f4, t.num('lcyl'));
      io.out8(0x1f5, t.num('hcyl'));
      io.out8(0x1f6, t.num('select'));
    }
    if (io.in8(0x3f6) !== (t.num('devctl') & 0x02) || ran) io.out8(0x3f6, t.num('devctl') & 0x02);
    if (ran || t.num('command') !== 0) {
      ctx.notes.push(`ata0: the last command (0x${t.num('command').toString(16)}) is not re-executed: command, error and the sector buffer are the destination's`);
    }
  });
}
