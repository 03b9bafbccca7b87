/**
 * ATA/IDE disk on the primary channel, PIO only (ATA/ATAPI-6, T13/1410D): one device
 * (master), backed by a DiskBacking (a shared image: contents are never migrated, the
 * controller state is).
 *
 * Ports: 0x1F0 data (16- and 32-bit transfers; an 8-bit access moves one 16-bit word and
 * returns its low byte), 0x1F1 error/features, 0x1F2 sector count, 0x1F3–0x1F5 LBA low/mid/
 * high (sector, cylinder low/high in CHS), 0x1F6 device/head, 0x1F7 status/command,
 * 0x3F6 alternate status/device control. IRQ 14 (ISA, edge), through ctx.irq.setIrq.
 *
 * Board wiring: `const disk = new AtaDisk(ctx, BOARD.ata, backing, options?)`, then `disk.attach(bus)`
 * (registers the device "ata0" and maps both windows), then `disk.reset()` with the others.
 *
 * Commands: IDENTIFY DEVICE, READ/WRITE SECTORS (with and without retry), READ/WRITE
 * MULTIPLE and SET MULTIPLE MODE (blocks of up to 16 sectors), SET FEATURES (accepted),
 * FLUSH CACHE, EXECUTE DEVICE DIAGNOSTIC, INITIALIZE DEVICE PARAMETERS, RECALIBRATE;
 * anything else aborts (ERR, error ABRT). LBA28 and CHS addressing; a range past the end of
 * the disk (or a CHS address outside the geometry) fails with ERR and IDNF before any data moves.
 *
 * Timing, in virtual time: a command holds BSY for `commandDelay` instructions (a write
 * command none: DRQ for its first block is set at once), each DRQ block after the first for
 * `sectorDelay`, a soft reset for `resetDelay` after SRST is
 * released — so a migration can land in the middle of any phase. While BSY is set, reads of
 * the other command block registers return the status (ATA-1 behaviour) and writes to them
 * are ignored. PIO data-in raises INTRQ at the start of every DRQ block; PIO data-out raises
 * it after every block (the last one is the completion). Reading the status register clears
 * INTRQ; nIEN (device control bit 1) masks it. Selecting device 1 (absent) reads status 0
 * and ignores commands other than EXECUTE DEVICE DIAGNOSTIC.
 */
import { SIZE_8, SIZES_ALL, type Bus, type IoHandler, type PortRange } from '../machine/bus.js';
import type { Timer } from '../machine/clock.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';
import { SECTOR_SIZE, type DiskBacking } from './disk-backing.js';
import { defaultGeometry, fillIdentify, LBA28_LIMIT, logicalCylinders, MAX_MULTIPLE_SECTORS } from './ata-identify.js';
import { arrayReader, trackedState } from './tracked-state.js';

/** Where the board puts an ATA channel: the command block (data at +0), the control port, the ISA line INTRQ drives. */
export interface AtaWiring {
  readonly command: PortRange;
  readonly control: number;
  readonly irq: number;
}

// Status register (ATA-6 7.15.6)
export const ATA_SR_BSY = 0x80;
export const ATA_SR_DRDY = 0x40;
export const ATA_SR_DF = 0x20;
export const ATA_SR_DSC = 0x10;
export const ATA_SR_DRQ = 0x08;
export const ATA_SR_ERR = 0x01;
// Error register
export const ATA_ER_IDNF = 0x10;
export const ATA_ER_ABRT = 0x04;
// Device control register
export const ATA_CTL_NIEN = 0x02;
export const ATA_CTL_SRST = 0x04;
// Device/head register
export const ATA_DEV_LBA = 0x40;
export const ATA_DEV_DEV1 = 0x10;

export const ATA_CMD_READ_SECTORS = 0x20;
export const ATA_CMD_READ_SECTORS_NORETRY = 0x21;
export const ATA_CMD_WRITE_SECTORS = 0x30;
export const ATA_CMD_WRITE_SECTORS_NORETRY = 0x31;
export const ATA_CMD_EXECUTE_DIAGNOSTIC = 0x90;
export const ATA_CMD_INITIALIZE_PARAMETERS = 0x91;
export const ATA_CMD_READ_MULTIPLE = 0xc4;
export const ATA_CMD_WRITE_MULTIPLE = 0xc5;
export const ATA_CMD_SET_MULTIPLE = 0xc6;
export const ATA_CMD_FLUSH_CACHE = 0xe7;
export const ATA_CMD_IDENTIFY = 0xec;
export const ATA_CMD_SET_FEATURES = 0xef;

/** Transfer phases (the `xfer_phase` field). */
export const PHASE_IDLE = 0;
/** A drive's BSY time per command and between DRQ blocks, in instructions (the board's drives). */
export const ATA_COMMAND_DELAY = 2000;
export const ATA_SECTOR_DELAY = 1000;

/** BSY: the command in `command` executes when busy_timer fires. */
export const PHASE_COMMAND = 1;
/** DRQ: the host reads the buffer. */
export const PHASE_DATA_IN = 2;
/** DRQ: the host fills the buffer. */
export const PHASE_DATA_OUT = 3;
/** BSY between DRQ blocks: reads fetch the next block; writes finish the block just written. */
export const PHASE_NEXT_BLOCK = 4;
/** SRST held in the device control register. */
export const PHASE_SRST = 5;
/** SRST released; the reset completes when busy_timer fires. */
export const PHASE_RESET = 6;

const READY = ATA_SR_DRDY | ATA_SR_DSC;

/** Device names: the master keeps the name it had before there could be a slave. */
export const ATA_MASTER_NAME = 'ata0';
export const ATA_SLAVE_NAME = 'ata0.slave';

const SCHEMA: StateSchema = {
  device: ATA_MASTER_NAME,
  version: 1,
  fields: [
    { name: 'feature', width: 8, access: 'wo', role: 'processing', doc: 'features register (0x1F1 write), parameter of SET FEATURES' },
    { name: 'error', width: 8, access: 'ro', role: 'processing', doc: 'error register (0x1F1 read): ABRT, IDNF; diagnostic code after reset' },
    { name: 'nsector', width: 8, access: 'rw', role: 'processing', doc: 'sector count register; counts down as sectors transfer (0 means 256)' },
    { name: 'sector', width: 8, access: 'rw', role: 'processing', doc: 'LBA low / CHS sector number; advances as sectors transfer' },
    { name: 'lcyl', width: 8, access: 'rw', role: 'processing', doc: 'LBA mid / cylinder low' },
    { name: 'hcyl', width: 8, access: 'rw', role: 'processing', doc: 'LBA high / cylinder high' },
    { name: 'select', width: 8, access: 'rw', role: 'processing', doc: 'device/head: bit 6 LBA, bit 4 device 1, bits 0-3 head / LBA 27:24' },
    { name: 'status', width: 8, access: 'ro', role: 'processing', doc: 'status register: BSY, DRDY, DF, DSC, DRQ, ERR' },
    { name: 'command', width: 8, access: 'wo', role: 'processing', doc: 'last command written to 0x1F7' },
    { name: 'devctl', width: 8, access: 'wo', role: 'config', doc: 'device control (0x3F6 write): nIEN bit 1, SRST bit 2' },
    { name: 'mult_sectors', width: 8, access: 'wo', role: 'config', doc: 'READ/WRITE MULTIPLE block size from SET MULTIPLE MODE (0: disabled); IDENTIFY word 59 shows it' },
    { name: 'chs_heads', width: 8, access: 'wo', role: 'config', doc: 'logical heads from INITIALIZE DEVICE PARAMETERS (IDENTIFY word 55)' },
    { name: 'chs_sectors', width: 8, access: 'wo', role: 'config', doc: 'logical sectors per track from INITIALIZE DEVICE PARAMETERS (IDENTIFY word 56)' },
    { name: 'buffer', width: 8, length: SECTOR_SIZE, access: 'internal', role: 'processing', doc: 'sector buffer behind the data port' },
    { name: 'buf_pos', width: 16, access: 'internal', role: 'processing', doc: 'next byte of the buffer the data port moves' },
    { name: 'buf_end', width: 16, access: 'internal', role: 'processing', doc: 'bytes in the current buffer transfer (512)' },
    { name: 'xfer_cmd', width: 8, access: 'internal', role: 'processing', doc: 'command whose data transfer is in progress (0: none)' },
    { name: 'xfer_phase', width: 8, access: 'internal', role: 'processing', doc: 'transfer state machine: 0 idle, 1 command, 2 data in, 3 data out, 4 next block, 5 SRST held, 6 reset completing' },
    { name: 'xfer_remaining', width: 16, access: 'internal', role: 'processing', doc: 'sectors left in the command, the current one included' },
    { name: 'xfer_lba', width: 32, access: 'internal', role: 'processing', doc: 'LBA of the sector in the buffer / next to transfer' },
    { name: 'block_remaining', width: 8, access: 'internal', role: 'processing', doc: 'sectors left in the current DRQ block (READ/WRITE MULTIPLE)' },
    { name: 'irq_pending', width: 1, access: 'internal', role: 'line', doc: 'INTRQ asserted (cleared by a status read or a command write); gated by nIEN' },
    { name: 'busy_timer', width: 64, access: 'internal', role: 'processing', timer: true, doc: 'end of the current BSY period' },
  ],
};
/** Device 1 keeps its own copy of every register, as on ATA hardware (both devices latch every task-file write). */
const SLAVE_SCHEMA: StateSchema = { ...SCHEMA, device: ATA_SLAVE_NAME };

export type AtaDiskState = {
  feature: number;
  error: number;
  nsector: number;
  sector: number;
  lcyl: number;
  hcyl: number;
  select: number;
  status: number;
  command: number;
  devctl: number;
  mult_sectors: number;
  chs_heads: number;
  chs_sectors: number;
  buffer: number[];
  buf_pos: number;
  buf_end: number;
  xfer_cmd: number;
  xfer_phase: number;
  xfer_remaining: number;
  xfer_lba: number;
  block_remaining: number;
  irq_pending: number;
};

export interface AtaDiskOptions {
  /** IDENTIFY model string (40 characters max). */
  model?: string;
  /** IDENTIFY serial number (20 characters max). */
  serial?: string;
  /** IDENTIFY firmware revision (8 characters max). */
  firmware?: string;
  /** Instructions BSY stays set after a command is written (default 2000: 20 µs at 100 M/s). */
  commandDelay?: number;
  /** Instructions BSY stays set between DRQ blocks (default 1000). */
  sectorDelay?: number;
  /** Instructions from releasing SRST to the reset signature (default 5000). */
  resetDelay?: number;
  /** Device 0 (master, default) or device 1 (slave: built by AtaChannel). */
  drive?: 0 | 1;
}

function isWriteCommand(cmd: number): boolean {
  return cmd === ATA_CMD_WRITE_SECTORS || cmd === ATA_CMD_WRITE_SECTORS_NORETRY || cmd === ATA_CMD_WRITE_MULTIPLE;
}

/** The sector buffer for reading only (a data-port read takes two bytes of it: not a change). */
const readBuffer = arrayReader<AtaDiskState, 'buffer'>('buffer');

export class AtaDisk extends Device<AtaDiskState> implements IoHandler {
  readonly schema: StateSchema;
  /** 0: master, 1: slave. */
  readonly drive: 0 | 1;
  /** Command block registers 0x1F1–0x1F7 and 0x3F6 take byte accesses (the bus splits wider ones). */
  readonly sizes = SIZE_8;
  /** The data port 0x1F0: 8-, 16- and 32-bit accesses. */
  readonly dataPort: IoHandler;
  state: AtaDiskState = trackedState(SCHEMA, {
    feature: 0, error: 0, nsector: 0, sector: 0, lcyl: 0, hcyl: 0, select: 0, status: 0, command: 0,
    devctl: 0, mult_sectors: 0, chs_heads: 0, chs_sectors: 0,
    buffer: new Array<number>(SECTOR_SIZE).fill(0), buf_pos: 0, buf_end: 0,
    xfer_cmd: 0, xfer_phase: PHASE_IDLE, xfer_remaining: 0, xfer_lba: 0, block_remaining: 0, irq_pending: 0,
  });
  readonly model: string;
  readonly serial: string;
  readonly firmware: string;
  readonly commandDelay: number;
  readonly sectorDelay: number;
  readonly resetDelay: number;
  private readonly busyTimer: Timer;
  /** Host-side staging for backing I/O (not state). */
  private readonly scratch = new Uint8Array(SECTOR_SIZE);
  private irqLine = false;

  constructor(
    ctx: DeviceContext,
    readonly wiring: AtaWiring,
    readonly backing: DiskBacking,
    options: AtaDiskOptions = {},
  ) {
    super(ctx);
    this.drive = options.drive ?? 0;
    this.schema = this.drive === 0 ? SCHEMA : SLAVE_SCHEMA;
    this.model = options.model ?? (this.drive === 0 ? 'MIGTRACE SHARED DISK' : 'MIGTRACE SLAVE DISK');
    this.serial = options.serial ?? (this.drive === 0 ? 'MT0000000001' : 'MT0000000002');
    this.firmware = options.firmware ?? '1.0';
    this.commandDelay = Math.max(1, options.commandDelay ?? ATA_COMMAND_DELAY);
    this.sectorDelay = Math.max(1, options.sectorDelay ?? ATA_SECTOR_DELAY);
    this.resetDelay = Math.max(1, options.resetDelay ?? 5000);
    this.busyTimer = this.addTimer('busy_timer', () => this.busyDone());
    this.dataPort = {
      sizes: SIZES_ALL,
      read: (_port, size) => this.readData(size),
      write: (_port, size, value) => this.writeData(size, value),
    };
  }

  /** Register "ata0" on the bus and map the data port, the rest of the command block and the control port. */
  attach(bus: Bus): void {
    const w = this.wiring;
    this.id = bus.registerDevice(this.name);
    bus.mapPorts(this.id, w.command.base, 1, this.dataPort);
    bus.mapPorts(this.id, w.command.base + 1, w.command.count - 1, this);
    bus.mapPorts(this.id, w.control, 1, this);
  }

  /** Power-on / hardware reset: signature, diagnostic code 1, default geometry, multiple mode off. */
  reset(): void {
    this.busyTimer.cancel();
    const s = this.state;
    const geometry = defaultGeometry(this.backing.sectors);
    s.feature = 0;
    s.command = 0;
    s.devctl = 0;
    s.mult_sectors = 0;
    s.chs_heads = geometry.heads;
    s.chs_sectors = geometry.sectors;
    s.buffer.fill(0);
    this.setSignature();
    s.status = READY;
    s.irq_pending = 0;
    this.endTransfer();
    this.driveIrq(true);
  }

  // ------------------------------------------------------------------ command block registers

  read(port: number): number {
    const s = this.state;
    const value = this.registerValue(port);
    if (this.readAcknowledges(port)) {
      s.irq_pending = 0;
      this.driveIrq(false);
    }
    return value;
  }

  /**
   * IoHandler.stableRead (through the channel): every register but the status register while
   * an interrupt is pending — reading it acknowledges — reads without changing anything; BSY
   * and DRQ change at the busy timer's event. The alternate status never acknowledges: what a
   * driver polls.
   */
  stableRead(port: number): number {
    return this.readAcknowledges(port) ? -1 : this.registerValue(port);
  }

  /** Reading the status register (not the alternate status) acknowledges a pending interrupt. */
  private readAcknowledges(port: number): boolean {
    return port === this.wiring.command.base + 7 && this.state.irq_pending !== 0 && this.selected();
  }

  /** What reading a command-block register or the alternate status returns. */
  private registerValue(port: number): number {
    const s = this.state;
    if (port === this.wiring.control) return this.statusValue();
    const offset = port - this.wiring.command.base;
    if (offset === 7 || s.status & ATA_SR_BSY) return this.statusValue();
    switch (offset) {
      case 1: return s.error;
      case 2: return s.nsector;
      case 3: return s.sector;
      case 4: return s.lcyl;
      case 5: return s.hcyl;
      default: return s.select;
    }
  }

  write(port: number, _size: number, value: number): void {
    if (port === this.wiring.control) {
      this.writeDeviceControl(value);
      return;
    }
    const s = this.state;
    if (s.status & ATA_SR_BSY) return; // the host may not write command block registers while BSY
    switch (port - this.wiring.command.base) {
      case 1: s.feature = value; break;
      case 2: s.nsector = value; break;
      case 3: s.sector = value; break;
      case 4: s.lcyl = value; break;
      case 5: s.hcyl = value; break;
      case 6: s.select = value; break;
      case 7: this.writeCommand(value); break;
    }
  }

  /** The device/head register's DEV bit names this drive. */
  selected(): boolean {
    return ((this.state.select & ATA_DEV_DEV1) !== 0) === (this.drive === 1);
  }

  /** A drive that is not selected does not answer: an absent device 1 reads status 0 (xv6 ide.c probes so). */
  private statusValue(): number {
    return this.selected() ? this.state.status : 0;
  }

  private writeDeviceControl(value: number): void {
    const s = this.state;
    const old = s.devctl;
    s.devctl = value & (ATA_CTL_NIEN | ATA_CTL_SRST);
    if (s.devctl & ATA_CTL_SRST && !(old & ATA_CTL_SRST)) {
      // SRST asserted: abandon whatever was going on (ATA-6 9.2).
      this.busyTimer.cancel();
      this.endTransfer();
      s.status = ATA_SR_BSY;
      s.irq_pending = 0;
      s.xfer_phase = PHASE_SRST;
    } else if (!(s.devctl & ATA_CTL_SRST) && old & ATA_CTL_SRST) {
      s.xfer_phase = PHASE_RESET;
      this.busyTimer.armIn(this.resetDelay);
    }
    this.driveIrq(false);
  }

  private writeCommand(cmd: number): void {
    const s = this.state;
    // Only the selected drive executes a command; EXECUTE DEVICE DIAGNOSTIC runs on both (ATA-6 8.11).
    if (!this.selected() && cmd !== ATA_CMD_EXECUTE_DIAGNOSTIC) return;
    s.command = cmd;
    this.endTransfer();
    s.irq_pending = 0;
    if (isWriteCommand(cmd)) {
      // PIO data-out: the drive's buffer is empty, so DRQ for the first block comes at once, as
      // in QEMU and Bochs (xv6 writes the data right after the command without polling DRQ).
      this.execute(cmd);
      this.driveIrq(false);
      return;
    }
    s.status = ATA_SR_BSY;
    s.xfer_phase = PHASE_COMMAND;
    this.busyTimer.armIn(this.commandDelay);
    this.driveIrq(false);
  }

  // ------------------------------------------------------------------ BSY periods

  private busyDone(): void {
    const s = this.state;
    switch (s.xfer_phase) {
      case PHASE_COMMAND:
        this.execute(s.command);
        break;
      case PHASE_NEXT_BLOCK:
        if (!isWriteCommand(s.xfer_cmd)) this.startReadBlock();
        else if (s.xfer_remaining > 0) this.startWriteBlock(true);
        else this.complete();
        break;
      case PHASE_RESET:
        this.setSignature();
        s.status = READY;
        this.endTransfer();
        break;
    }
  }

  private execute(cmd: number): void {
    const s = this.state;
    switch (cmd) {
      case ATA_CMD_READ_SECTORS:
      case ATA_CMD_READ_SECTORS_NORETRY:
      case ATA_CMD_READ_MULTIPLE:
      case ATA_CMD_WRITE_SECTORS:
      case ATA_CMD_WRITE_SECTORS_NORETRY:
      case ATA_CMD_WRITE_MULTIPLE:
        this.startTransfer(cmd);
        return;
      case ATA_CMD_IDENTIFY:
        fillIdentify(s.buffer, {
          model: this.model, serial: this.serial, firmware: this.firmware, total: this.backing.sectors,
          heads: s.chs_heads, sectorsPerTrack: s.chs_sectors, multiple: s.mult_sectors,
        });
        s.xfer_cmd = cmd;
        s.xfer_remaining = 1;
        s.block_remaining = 1;
        this.beginDataIn();
        return;
      case ATA_CMD_SET_MULTIPLE: {
        const n = s.nsector;
        if (n > MAX_MULTIPLE_SECTORS || (n & (n - 1)) !== 0) {
          this.abort(ATA_ER_ABRT);
          return;
        }
        s.mult_sectors = n;
        this.complete();
        return;
      }
      case ATA_CMD_INITIALIZE_PARAMETERS:
        s.chs_heads = (s.select & 0x0f) + 1;
        s.chs_sectors = s.nsector;
        this.complete();
        return;
      case ATA_CMD_EXECUTE_DIAGNOSTIC:
        this.setSignature();
        s.status = READY;
        this.endTransfer();
        this.raiseIrq();
        return;
      case ATA_CMD_SET_FEATURES:
      case ATA_CMD_FLUSH_CACHE:
        this.complete();
        return;
      default:
        if ((cmd & 0xf0) === 0x10) this.complete(); // RECALIBRATE
        else this.abort(ATA_ER_ABRT);
    }
  }

  private complete(): void {
    const s = this.state;
    s.error = 0;
    s.status = READY;
    this.endTransfer();
    this.raiseIrq();
  }

  private abort(error: number): void {
    const s = this.state;
    s.error = error;
    s.status = READY | ATA_SR_ERR;
    this.endTransfer();
    this.raiseIrq();
  }

  /** Back to idle: no transfer, canonical (zero) transfer fields. The buffer keeps its bytes. */
  private endTransfer(): void {
    const s = this.state;
    s.xfer_cmd = 0;
    s.xfer_phase = PHASE_IDLE;
    s.xfer_remaining = 0;
    s.xfer_lba = 0;
    s.block_remaining = 0;
    s.buf_pos = 0;
    s.buf_end = 0;
  }

  /** ATA-6 9.12: the signature a non-packet device leaves after reset or diagnostics. */
  private setSignature(): void {
    const s = this.state;
    s.error = 0x01; // diagnostic code: device 0 passed, device 1 absent
    s.nsector = 1;
    s.sector = 1;
    s.lcyl = 0;
    s.hcyl = 0;
    s.select = 0;
  }

  // ------------------------------------------------------------------ addressing

  /** The LBA the task file addresses, or -1 when a CHS address is outside the geometry. */
  private taskFileLba(): number {
    const s = this.state;
    if (s.select & ATA_DEV_LBA) {
      return (((s.select & 0x0f) << 24) | (s.hcyl << 16) | (s.lcyl << 8) | s.sector) >>> 0;
    }
    const heads = s.chs_heads;
    const spt = s.chs_sectors;
    const cylinder = (s.hcyl << 8) | s.lcyl;
    const head = s.select & 0x0f;
    if (s.sector === 0 || s.sector > spt || head >= heads) return -1;
    if (cylinder >= logicalCylinders(this.backing.sectors, heads, spt)) return -1;
    return (cylinder * heads + head) * spt + s.sector - 1;
  }

  /** Point the task file at `lba`, in the addressing mode in use (it advances as sectors move). */
  private setTaskFileLba(lba: number): void {
    const s = this.state;
    if (s.select & ATA_DEV_LBA) {
      s.sector = lba & 0xff;
      s.lcyl = (lba >>> 8) & 0xff;
      s.hcyl = (lba >>> 16) & 0xff;
      s.select = (s.select & 0xf0) | ((lba >>> 24) & 0x0f);
      return;
    }
    const spt = s.chs_sectors;
    const heads = s.chs_heads;
    if (spt === 0 || heads === 0) return;
    const track = Math.floor(lba / spt);
    const cylinder = Math.floor(track / heads) & 0xffff;
    s.sector = (lba % spt) + 1;
    s.lcyl = cylinder & 0xff;
    s.hcyl = cylinder >>> 8;
    s.select = (s.select & 0xf0) | (track % heads);
  }

  // ------------------------------------------------------------------ data transfers

  private startTransfer(cmd: number): void {
    const s = this.state;
    const multiple = cmd === ATA_CMD_READ_MULTIPLE || cmd === ATA_CMD_WRITE_MULTIPLE;
    if (multiple && s.mult_sectors === 0) {
      this.abort(ATA_ER_ABRT);
      return;
    }
    if (isWriteCommand(cmd) && this.backing.readOnly) {
      this.abort(ATA_ER_ABRT);
      return;
    }
    const count = s.nsector === 0 ? 256 : s.nsector;
    const lba = this.taskFileLba();
    if (lba < 0 || lba + count > Math.min(this.backing.sectors, LBA28_LIMIT)) {
      this.abort(ATA_ER_IDNF);
      return;
    }
    s.error = 0;
    s.xfer_cmd = cmd;
    s.xfer_lba = lba;
    s.xfer_remaining = count;
    if (isWriteCommand(cmd)) this.startWriteBlock(false); // PIO data-out: no INTRQ before the first block
    else this.startReadBlock();
  }

  private blockSize(): number {
    const s = this.state;
    const multiple = s.xfer_cmd === ATA_CMD_READ_MULTIPLE || s.xfer_cmd === ATA_CMD_WRITE_MULTIPLE;
    return Math.min(multiple ? s.mult_sectors : 1, s.xfer_remaining);
  }

  private startReadBlock(): void {
    const s = this.state;
    s.block_remaining = this.blockSize();
    this.loadSector(s.xfer_lba);
    this.beginDataIn();
  }

  private beginDataIn(): void {
    const s = this.state;
    s.buf_pos = 0;
    s.buf_end = SECTOR_SIZE;
    s.status = READY | ATA_SR_DRQ;
    s.xfer_phase = PHASE_DATA_IN;
    this.raiseIrq();
  }

  private startWriteBlock(interrupt: boolean): void {
    const s = this.state;
    s.block_remaining = this.blockSize();
    s.buf_pos = 0;
    s.buf_end = SECTOR_SIZE;
    s.status = READY | ATA_SR_DRQ;
    s.xfer_phase = PHASE_DATA_OUT;
    if (interrupt) this.raiseIrq();
  }

  private loadSector(lba: number): void {
    this.backing.readSector(lba, this.scratch);
    const buf = this.state.buffer;
    for (let i = 0; i < SECTOR_SIZE; i++) buf[i] = this.scratch[i];
  }

  private storeSector(lba: number): void {
    const buf = readBuffer(this.state);
    for (let i = 0; i < SECTOR_SIZE; i++) this.scratch[i] = buf[i];
    this.backing.writeSector(lba, this.scratch);
  }

  private readData(size: number): number {
    if (size === 4) {
      const lo = this.readWord();
      return (lo | (this.readWord() << 16)) >>> 0;
    }
    const word = this.readWord();
    return size === 1 ? word & 0xff : word;
  }

  private writeData(size: number, value: number): void {
    this.writeWord(value & 0xffff);
    if (size === 4) this.writeWord(value >>> 16);
  }

  private readWord(): number {
    const s = this.state;
    if (s.xfer_phase !== PHASE_DATA_IN) return 0;
    const pos = s.buf_pos;
    const buffer = readBuffer(s);
    const word = buffer[pos] | (buffer[pos + 1] << 8);
    s.buf_pos = pos + 2;
    if (s.buf_pos >= s.buf_end) this.sectorRead();
    return word;
  }

  private writeWord(word: number): void {
    const s = this.state;
    if (s.xfer_phase !== PHASE_DATA_OUT) return;
    const pos = s.buf_pos;
    s.buffer[pos] = word & 0xff;
    s.buffer[pos + 1] = word >>> 8;
    s.buf_pos = pos + 2;
    if (s.buf_pos >= s.buf_end) this.sectorWritten();
  }

  /** The host has read the whole buffer. */
  private sectorRead(): void {
    const s = this.state;
    if (s.xfer_cmd === ATA_CMD_IDENTIFY) {
      s.status = READY;
      this.endTransfer();
      return;
    }
    this.advance();
    if (s.xfer_remaining === 0) {
      s.status = READY;
      this.endTransfer();
    } else if (s.block_remaining > 0) {
      this.loadSector(s.xfer_lba); // next sector of the same DRQ block: no BSY, no interrupt
      s.buf_pos = 0;
    } else {
      this.enterNextBlock();
    }
  }

  /** The host has filled the buffer: the sector goes to the disk now. */
  private sectorWritten(): void {
    const s = this.state;
    this.storeSector(s.xfer_lba);
    this.advance();
    if (s.xfer_remaining > 0 && s.block_remaining > 0) s.buf_pos = 0;
    else this.enterNextBlock();
  }

  private advance(): void {
    const s = this.state;
    s.xfer_lba++;
    s.xfer_remaining--;
    s.block_remaining--;
    s.nsector = s.xfer_remaining & 0xff;
    this.setTaskFileLba(s.xfer_lba);
  }

  private enterNextBlock(): void {
    const s = this.state;
    s.status = ATA_SR_BSY;
    s.xfer_phase = PHASE_NEXT_BLOCK;
    s.buf_pos = 0;
    this.busyTimer.armIn(this.sectorDelay);
  }

  // ------------------------------------------------------------------ interrupts

  private raiseIrq(): void {
    this.state.irq_pending = 1;
    this.driveIrq(false);
  }

  /** INTRQ as this drive would drive it (the channel picks the selected drive's when there are two). */
  irqLevel(): boolean {
    const s = this.state;
    return s.irq_pending === 1 && (s.devctl & ATA_CTL_NIEN) === 0;
  }

  private driveIrq(force: boolean): void {
    const level = this.irqLevel();
    if (force || level !== this.irqLine) {
      this.irqLine = level;
      this.ctx.irq.setIrq(this.wiring.irq, level);
    }
  }

  protected override afterRestore(): void {
    this.driveIrq(true);
  }

  protected override derived(): Record<string, number | string> {
    const s = this.state;
    return {
      disk_sectors: this.backing.sectors,
      task_file_lba: this.taskFileLba(),
      logical_cylinders: logicalCylinders(this.backing.sectors, s.chs_heads, s.chs_sectors),
      irq_line: this.irqLevel() ? 1 : 0,
    };
  }
}
