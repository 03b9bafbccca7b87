/**
 * Shadow of the ATA command block's write-only registers (ATA/ATAPI-6, T13/1410D, 7.x):
 * features (0x1F1 write), command (0x1F7 write), device control (0x3F6 write), and the
 * settings commands leave behind — SET MULTIPLE MODE's block size and INITIALIZE DEVICE
 * PARAMETERS' geometry (IDENTIFY words 59, 55–56 show them, but reading IDENTIFY would
 * overwrite the sector buffer, so we watch the commands instead).
 */
import { DIR_WRITE, type Intercepts, type TrappedAccess } from '../intercepts.js';
import { KnownFields } from './known.js';

export const ATA_BASE = 0x1f0;
export const ATA_CONTROL = 0x3f6;

export const ATA_SHADOW_FIELDS = ['feature', 'command', 'devctl', 'mult_sectors', 'chs_heads', 'chs_sectors'] as const;

export class AtaShadow {
  feature = 0;
  command = 0;
  devctl = 0;
  /** Last values written to the other command block registers (the command's parameters). */
  nsector = 0;
  select = 0;
  /** When the last command was written (its BSY period starts there). */
  commandAt = -1;
  /** Settings a command changes once it completes (checked at capture, when the command has run). */
  pendingSetting: { command: number; nsector: number; select: number } | null = null;
  readonly known: KnownFields;
  /** Settings as of the last completed settings command (null: power-on defaults). */
  private mult = 0;
  private heads = -1;
  private sectors = -1;

  constructor(intercepts: Intercepts, bootAttach: boolean) {
    this.known = new KnownFields(ATA_SHADOW_FIELDS, bootAttach);
    for (let p = ATA_BASE + 1; p <= ATA_BASE + 7; p++) {
      intercepts.onPort(p, (a) => this.onWrite(a));
      intercepts.trapPort(p, DIR_WRITE);
    }
    intercepts.onPort(ATA_CONTROL, (a) => this.onWrite(a));
    intercepts.trapPort(ATA_CONTROL, DIR_WRITE);
  }

  /**
   * Settings now: a settings command still BSY has not taken effect; one that finished did,
   * unless it aborted (SET MULTIPLE needs a power of two up to 16: ATA-6 8.39).
   */
  settings(status: number, geometry: { heads: number; sectors: number }): { mult: number; heads: number; sectors: number } {
    const p = this.pendingSetting;
    if (p !== null && !(status & 0x80)) {
      if (p.command === 0xc6 && p.nsector <= 16 && (p.nsector & (p.nsector - 1)) === 0) this.mult = p.nsector;
      if (p.command === 0x91) {
        this.heads = (p.select & 0x0f) + 1;
        this.sectors = p.nsector;
      }
      this.pendingSetting = null;
    }
    return { mult: this.mult, heads: this.heads < 0 ? geometry.heads : this.heads, sectors: this.sectors < 0 ? geometry.sectors : this.sectors };
  }

  /** INTRQ is raised at command completion and cleared by a status read (not trapped): unknown, taken as clear. */
  irqPendingGuess(): number {
    return 0;
  }

  private onWrite(a: TrappedAccess): void {
    if (a.dir !== DIR_WRITE) return;
    const v = a.value & 0xff;
    if (a.addr === ATA_CONTROL) {
      this.devctl = v & 0x06;
      this.known.learn('devctl');
      return;
    }
    switch (a.addr - ATA_BASE) {
      case 1:
        this.feature = v;
        this.known.learn('feature');
        break;
      case 2:
        this.nsector = v;
        break;
      case 6:
        this.select = v;
        break;
      case 7:
        if (this.pendingSetting !== null) this.settings(0, { heads: 0, sectors: 0 });
        this.command = v;
        this.commandAt = a.icount;
        this.known.learn('command');
        this.pendingSetting = { command: v, nsector: this.nsector, select: this.select };
        break;
    }
  }
}
