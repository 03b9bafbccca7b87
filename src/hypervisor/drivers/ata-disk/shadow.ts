/**
 * Shadow of an ATA drive (ATA/ATAPI-6, T13/1410D): its write-only registers and its PIO
 * transfer position — one per drive, under the channel's AtaChannelShadow (below), which
 * hands every trapped write to both drives (both latch it) and data to the selected one.
 *
 * Write-only: features, command, device control (ports.ts),
 * and the settings SET MULTIPLE MODE and INITIALIZE DEVICE PARAMETERS leave behind (IDENTIFY
 * words 59, 55–56 show them, but reading IDENTIFY would overwrite the sector buffer).
 * Internal: where a PIO transfer is (which sector, how far into the 512-byte buffer, how
 * much of the DRQ block is left) and what the buffer holds. The data port is trapped
 * (reads and writes) only while a data command is in flight — from its command write to its
 * last word (a write: to its completion) — so the shadow counts the words and sees their
 * values, and advances the task file as the drive does; the command block
 * registers are trapped for writes always.
 *
 * The drive's timing (how long BSY lasts) is not known to the hypervisor; capture measures
 * what is left of a BSY period by watching the alternate status (capture.ts).
 */
import { DIR_READ, DIR_WRITE, type Intercepts, type TrappedAccess } from '../../intercepts.js';
import { KnownFields } from '../../known-fields.js';
import { ATA_BASE, ATA_CONTROL, ATA_STATUS } from './ports.js';
export const SECTOR = 512;

export const ATA_SHADOW_FIELDS = ['feature', 'command', 'devctl', 'mult_sectors', 'chs_heads', 'chs_sectors'] as const;

export const CMD_READ = [0x20, 0x21, 0xc4];
export const CMD_WRITE = [0x30, 0x31, 0xc5];
export const CMD_IDENTIFY = 0xec;
export const CMD_EXECUTE_DIAGNOSTIC = 0x90;
const MULTIPLE = [0xc4, 0xc5];
const LBA28_LIMIT = 0x10000000;
/**
 * The diagnostic code a drive that passed leaves in its error register after power-on, a
 * reset or EXECUTE DEVICE DIAGNOSTIC (ATA-6 9.12, 8.11: 01h, device 0 passed, device 1 passed
 * or not present).
 */
export const DIAGNOSTIC_PASSED = 0x01;
/** The task file a non-packet device leaves after power-on, a reset or a diagnostic (ATA-6 9.12: the signature). */
const SIGNATURE = { nsector: 1, sector: 1, lcyl: 0, hcyl: 0, select: 0 } as const;

/** Where a data command is (the device's xfer_* fields, as the shadow follows them). */
export interface AtaTransfer {
  command: number;
  /** LBA of the sector in the buffer / next to transfer. */
  lba: number;
  /** Sectors left, the current one included. */
  remaining: number;
  /** Sectors left in the current DRQ block. */
  block: number;
  /** Bytes of the current sector moved through the data port. */
  pos: number;
  /** icount of the command write, and of the last word of a block (a BSY period starts there). */
  busySince: number;
  /** True between blocks (BSY until the drive has the next block). */
  betweenBlocks: boolean;
}

export interface AtaGeometry {
  heads: number;
  sectors: number;
  total: number;
  cylinders: (heads: number, sectors: number) => number;
}

export class AtaShadow {
  feature = 0;
  command = 0;
  devctl = 0;
  /** Task file as the guest last wrote it (the parameters of its next command); at boot, the power-on signature. */
  readonly taskfile = { nsector: 0, sector: 0, lcyl: 0, hcyl: 0, select: 0 };
  commandAt = -1;
  mult = 0;
  heads: number;
  sectors: number;
  /** The transfer in flight, or null. */
  transfer: AtaTransfer | null = null;
  /** The 512-byte sector buffer as the shadow knows it (bytes seen through the data port, or read from the shared disk). */
  readonly buffer = new Uint8Array(SECTOR);
  /** The LBA whose data the buffer last held in full (-1: IDENTIFY data or power-on zeros). */
  bufferLba = -1;
  /** The last data command's kind, for rebuilding the buffer (IDENTIFY has no LBA). */
  bufferSource: 'none' | 'identify' | 'sector' = 'none';
  /** A read block's first sector the drive loads when its BSY ends (it is not in the buffer yet). */
  pendingLoad = -1;
  /**
   * INTRQ owed: the drive has raised, or will raise when BSY drops, an interrupt the guest has
   * not yet cleared by reading the status register (ATA-6 5.2.9: a command's completion, each
   * data-in block, each data-out block after the first; a status read or a command write
   * clears it). The status register is trapped for reads while some drive owes one.
   */
  interruptOwed = false;
  /** Settings before the last command (a settings command takes effect only when its BSY ends). */
  settingsBefore = { mult: 0, heads: 0, sectors: 0 };
  /**
   * The error register holds the drive's diagnostic code — known from what the guest did, as a
   * write-only register is: power-on (boot attach), then a reset or EXECUTE DEVICE DIAGNOSTIC
   * with no other command completed since. It is the value the register keeps while the drive
   * is BSY (a command or a reset changes it only when it completes), when it cannot be read.
   */
  errorIsDiagnostic: boolean;
  /**
   * An operation the guest started whose completion the shadow has not yet accounted for: a
   * reset (SRST released) or EXECUTE DEVICE DIAGNOSTIC leaves the signature in the task file
   * and the diagnostic code in the error register; any other command leaves its own result.
   * It completed by the guest's next command-block write (the host writes only when not BSY),
   * which settles it (settle()); until then, while BSY, the registers hold what they held.
   */
  pending: 'reset' | 'diagnostic' | 'command' | null = null;
  readonly known: KnownFields;

  constructor(
    /** Turns the data-port trap on or off for this drive (the channel traps it while either drive has a transfer). */
    private readonly trapData: (on: boolean) => void,
    bootAttach: boolean,
    private readonly geometry: AtaGeometry,
    /** The shared disk's sector `lba` (storage is shared, as BLMVisor's iSCSI; 4.3). */
    private readonly readSector: (lba: number) => Uint8Array,
    /** Device 0 (master) or 1 (slave): which value of the DEV bit selects it. */
    readonly drive: 0 | 1 = 0,
    /** The channel traps status reads while either drive owes an interrupt. */
    private readonly trapStatus: () => void = () => {},
  ) {
    this.known = new KnownFields(ATA_SHADOW_FIELDS, bootAttach);
    this.heads = geometry.heads;
    this.sectors = geometry.sectors;
    // Power-on (ATA-6 9.1) leaves the signature and the diagnostic code; after a late attach neither is known.
    this.errorIsDiagnostic = bootAttach;
    if (bootAttach) Object.assign(this.taskfile, SIGNATURE);
  }

  /** The reset or command the guest started last has completed (the guest writes again): its effect on the registers. */
  private settle(): void {
    if (this.pending === 'reset' || this.pending === 'diagnostic') {
      Object.assign(this.taskfile, SIGNATURE);
      this.errorIsDiagnostic = true;
    } else if (this.pending === 'command') {
      this.errorIsDiagnostic = false;
    }
    this.pending = null;
  }

  /** A reset in progress: SRST released, the drive BSY until its diagnostic ends (or SRST still held). */
  get resetting(): boolean {
    return this.pending === 'reset' || (this.devctl & 0x04) !== 0;
  }

  /** The DEV bit of the device/head register this drive latched names it (ATA-6 5.2). */
  selected(): boolean {
    return ((this.taskfile.select & 0x10) !== 0) === (this.drive === 1);
  }

  /** The LBA the task file addresses (LBA or CHS by the device/head register), or -1. */
  taskFileLba(t = this.taskfile): number {
    if (t.select & 0x40) return (((t.select & 0x0f) << 24) | (t.hcyl << 16) | (t.lcyl << 8) | t.sector) >>> 0;
    const heads = this.heads;
    const spt = this.sectors;
    const cylinder = (t.hcyl << 8) | t.lcyl;
    const head = t.select & 0x0f;
    if (t.sector === 0 || t.sector > spt || head >= heads) return -1;
    if (cylinder >= this.geometry.cylinders(heads, spt)) return -1;
    return (cylinder * heads + head) * spt + t.sector - 1;
  }

  /** A transfer is in flight (the data port must be trapped). */
  get transferring(): boolean {
    return this.transfer !== null;
  }

  /** A trapped write to the command block or device control: every drive on the channel latches it. */
  onWrite(a: TrappedAccess): void {
    if (a.dir !== DIR_WRITE) return;
    const v = a.value & 0xff;
    if (a.addr === ATA_CONTROL) {
      const old = this.devctl;
      this.devctl = v & 0x06;
      this.known.learn('devctl');
      if (this.devctl & 0x04 && !(old & 0x04)) {
        // SRST: the guest resets a drive that finished what it was doing, or abandons a command
        // (then whether it completed is unknown: settling it forgets the diagnostic code).
        this.settle();
        this.endTransfer(); // SRST abandons the command
        this.owe(false);
      } else if (!(this.devctl & 0x04) && old & 0x04) {
        this.pending = 'reset'; // released: the reset runs, and ends with the signature and the diagnostic code
      }
      return;
    }
    if (this.transfer !== null && this.transfer.busySince >= 0 && this.busy()) return; // writes while BSY are ignored
    this.settle();
    switch (a.addr - ATA_BASE) {
      case 1:
        this.feature = v;
        this.known.learn('feature');
        break;
      case 2: this.taskfile.nsector = v; break;
      case 3: this.taskfile.sector = v; break;
      case 4: this.taskfile.lcyl = v; break;
      case 5: this.taskfile.hcyl = v; break;
      case 6: this.taskfile.select = v; break;
      case 7:
        this.writeCommand(v, a.icount);
        break;
    }
  }

  /** BSY per the shadow is not knowable without the drive's timing; callers check the status. */
  private busy(): boolean {
    return false;
  }

  private writeCommand(cmd: number, now: number): void {
    const t = this.taskfile;
    if (!this.selected() && cmd !== 0x90) return; // only the selected drive executes (EXECUTE DEVICE DIAGNOSTIC: both)
    // Every command ends in an interrupt, except a good PIO write's first block (DRQ at once).
    this.owe(true);
    this.pending = cmd === CMD_EXECUTE_DIAGNOSTIC ? 'diagnostic' : 'command';
    this.command = cmd;
    this.commandAt = now;
    this.known.learn('command');
    this.endTransfer();
    this.settingsBefore = { mult: this.mult, heads: this.heads, sectors: this.sectors };
    if (cmd === 0xc6) {
      const n = t.nsector;
      if (n <= 16 && (n & (n - 1)) === 0) this.mult = n;
      this.known.learn('mult_sectors');
      return;
    }
    if (cmd === 0x91) {
      this.heads = (t.select & 0x0f) + 1;
      this.sectors = t.nsector;
      this.known.learn('chs_heads', 'chs_sectors');
      return;
    }
    if (cmd === CMD_IDENTIFY) {
      this.transfer = { command: cmd, lba: 0, remaining: 1, block: 1, pos: 0, busySince: now, betweenBlocks: false };
      this.bufferSource = 'identify';
      this.bufferLba = -1;
      this.trapData(true);
      return;
    }
    const isRead = CMD_READ.includes(cmd);
    const isWrite = CMD_WRITE.includes(cmd);
    if (!isRead && !isWrite) return;
    if (MULTIPLE.includes(cmd) && this.mult === 0) return; // aborts
    const count = t.nsector === 0 ? 256 : t.nsector;
    const lba = this.taskFileLba();
    if (lba < 0 || lba + count > Math.min(this.geometry.total, LBA28_LIMIT)) return; // IDNF
    const block = Math.min(MULTIPLE.includes(cmd) ? this.mult : 1, count);
    this.transfer = { command: cmd, lba, remaining: count, block, pos: 0, busySince: now, betweenBlocks: false };
    if (isRead) this.pendingLoad = lba;
    else this.owe(false);
    this.trapData(true);
  }

  /** The drive has started the block (DRQ seen, or a word moved): a read block's sector is in the buffer now. */
  blockStarted(): void {
    if (this.pendingLoad >= 0) {
      this.loadBuffer(this.pendingLoad);
      this.pendingLoad = -1;
    }
    if (this.transfer !== null) {
      this.transfer.betweenBlocks = false;
      this.transfer.busySince = -1;
    }
  }

  private loadBuffer(lba: number): void {
    this.buffer.set(this.readSector(lba));
    this.bufferLba = lba;
    this.bufferSource = 'sector';
  }

  private endTransfer(): void {
    this.transfer = null;
    this.pendingLoad = -1;
    this.trapData(false);
  }

  /** A trapped data-port access: the channel hands it to the drive that moves data. */
  onData(a: TrappedAccess): void {
    const x = this.transfer;
    if (x === null || x.remaining === 0) return; // none, or a write waiting for its completion
    const words = a.size === 4 ? 2 : 1;
    const isWrite = CMD_WRITE.includes(x.command);
    if ((a.dir === DIR_WRITE) !== isWrite) return; // the wrong direction moves nothing
    if (x.pos === 0 && (x.busySince >= 0 || this.pendingLoad >= 0)) this.blockStarted();
    for (let w = 0; w < words && this.transfer !== null; w++) {
      const word = a.size === 4 ? (a.value >>> (16 * w)) & 0xffff : a.value & 0xffff;
      // Data-in: the value read is the buffer's (a byte access returns the low byte only).
      if (isWrite || a.size !== 1) {
        this.buffer[x.pos] = word & 0xff;
        this.buffer[x.pos + 1] = word >>> 8;
      }
      x.pos += 2;
      x.busySince = -1;
      if (x.pos >= SECTOR) this.sectorDone(a.icount);
    }
  }

  private sectorDone(now: number): void {
    const x = this.transfer!;
    const isWrite = CMD_WRITE.includes(x.command);
    if (x.command === CMD_IDENTIFY) {
      this.endTransfer();
      return;
    }
    if (isWrite) this.bufferLba = x.lba;
    x.lba++;
    x.remaining--;
    x.block--;
    // The device's task file follows (the sector count and LBA advance as sectors move).
    this.taskfile.nsector = x.remaining & 0xff;
    this.advanceTaskFile(x.lba);
    x.pos = 0;
    if (x.remaining === 0 && !isWrite) {
      this.endTransfer();
      return;
    }
    if (x.remaining > 0 && x.block > 0) {
      if (!isWrite) this.loadBuffer(x.lba);
      return;
    }
    // End of a DRQ block: BSY until the next one (or, for a write, the completion), then INTRQ.
    this.owe(true);
    x.betweenBlocks = true;
    x.busySince = now;
    // A write's last block: the drive is BSY until the completion, still in the transfer (its
    // last word can be written again at its time); it ends at the status read after BSY drops,
    // or at the next command.
    if (x.remaining === 0) return;
    x.block = Math.min(MULTIPLE.includes(x.command) ? this.mult : 1, x.remaining);
    if (!isWrite) this.pendingLoad = x.lba;
  }

  /** A guest read of the status register, trapped while an interrupt is owed: read after BSY dropped, it cleared INTRQ. */
  onStatusRead(value: number): void {
    if (value & 0x80) return;
    this.owe(false);
    if (this.transfer !== null && this.transfer.remaining === 0) this.endTransfer(); // a write completed
  }

  /** The LBA registers (or CHS, as the device/head register says) the drive advances to `lba` as sectors move. */
  private advanceTaskFile(lba: number): void {
    const t = this.taskfile;
    if (t.select & 0x40) {
      t.sector = lba & 0xff;
      t.lcyl = (lba >>> 8) & 0xff;
      t.hcyl = (lba >>> 16) & 0xff;
      t.select = (t.select & 0xf0) | ((lba >>> 24) & 0x0f);
      return;
    }
    if (this.sectors === 0 || this.heads === 0) return;
    const track = Math.floor(lba / this.sectors);
    const cylinder = Math.floor(track / this.heads) & 0xffff;
    t.sector = (lba % this.sectors) + 1;
    t.lcyl = cylinder & 0xff;
    t.hcyl = cylinder >>> 8;
    t.select = (t.select & 0xf0) | (track % this.heads);
  }

  private owe(on: boolean): void {
    this.interruptOwed = on;
    this.trapStatus();
  }

  supply(field: (typeof ATA_SHADOW_FIELDS)[number], value: number): void {
    if (field === 'feature') this.feature = value & 0xff;
    else if (field === 'command') this.command = value & 0xff;
    else if (field === 'devctl') this.devctl = value & 0x06;
    else if (field === 'mult_sectors') this.mult = value & 0xff;
    else if (field === 'chs_heads') this.heads = value & 0xff;
    else this.sectors = value & 0xff;
    this.known.learn(field);
  }
}

/**
 * The channel's shadow: one AtaShadow per drive (ATA-6 5.2). Both drives latch every
 * command-block and device-control write, so a trapped write goes to each; the data port
 * moves the selected drive's data (with no slave, the master's whatever DEV says, as the
 * single-drive channel does). The data port is trapped while either drive has a transfer.
 */
export class AtaChannelShadow {
  readonly drives: AtaShadow[];

  constructor(
    private readonly intercepts: Intercepts,
    bootAttach: boolean,
    masterDisk: { geometry: AtaGeometry; readSector: (lba: number) => Uint8Array },
    slaveDisk: { geometry: AtaGeometry; readSector: (lba: number) => Uint8Array } | null,
  ) {
    const trap = () => this.trapData();
    const trapStatus = () => this.trapStatus();
    this.drives = [new AtaShadow(trap, bootAttach, masterDisk.geometry, masterDisk.readSector, 0, trapStatus)];
    if (slaveDisk !== null) this.drives.push(new AtaShadow(trap, bootAttach, slaveDisk.geometry, slaveDisk.readSector, 1, trapStatus));
    for (let p = ATA_BASE + 1; p <= ATA_BASE + 7; p++) {
      intercepts.onPort(p, (a) => this.onWrite(a));
      intercepts.trapPort(p, DIR_WRITE);
    }
    intercepts.onPort(ATA_CONTROL, (a) => this.onWrite(a));
    intercepts.trapPort(ATA_CONTROL, DIR_WRITE);
    intercepts.onPort(ATA_BASE, (a) => this.onData(a));
  }

  get master(): AtaShadow {
    return this.drives[0];
  }

  /** The slave's shadow, or null on a channel without one. */
  get slave(): AtaShadow | null {
    return this.drives[1] ?? null;
  }

  /** The drive the guest's last device/head write selected (the master's copy; both latch it). */
  get selectedDrive(): AtaShadow {
    return this.drives.find((d) => d.selected()) ?? this.master;
  }

  private trapData(): void {
    const on = this.drives.some((d) => d.transferring);
    this.intercepts.trapPort(ATA_BASE, DIR_READ, on);
    this.intercepts.trapPort(ATA_BASE, DIR_WRITE, on);
  }

  private trapStatus(): void {
    // Called while the drives are being made, before this.drives is set.
    this.intercepts.trapPort(ATA_STATUS, DIR_READ, this.drives?.some((d) => d.interruptOwed) ?? false);
  }

  private onWrite(a: TrappedAccess): void {
    if (a.dir === DIR_READ) {
      // A status read: the selected drive answers (a lone master whatever DEV says).
      if (a.addr === ATA_STATUS) (this.drives.length === 1 ? this.master : this.selectedDrive).onStatusRead(a.value);
      return;
    }
    for (const d of this.drives) d.onWrite(a);
  }

  private onData(a: TrappedAccess): void {
    if (this.drives.length === 1) this.master.onData(a);
    else this.selectedDrive.onData(a);
  }
}
