/**
 * An ATA channel with two drives (ATA-6 5.2, "Device 0 and device 1"): both drives latch every
 * command-block and device-control write (each keeps its own task file, status and buffer);
 * the device/head register's DEV bit selects which one answers reads, moves data through the
 * data port, executes a command (EXECUTE DEVICE DIAGNOSTIC runs on both) and drives INTRQ (the
 * other one's INTRQ is released). A channel with only a master is the master itself
 * (AtaDisk.attach): a machine without a slave disk is exactly what it was.
 *
 * The ports are registered under the master's bus id (the trace names them ata0); the slave is
 * registered as its own device (ata0.slave) so its timer events name it.
 *
 * Board wiring: `const channel = new AtaChannel(ctx, BOARD.ata, masterBacking, slaveBacking)`,
 * `channel.attach(bus)`, then reset both drives with the other devices.
 */
import { SIZE_8, SIZES_ALL, type Bus, type IoHandler } from '../machine/bus.js';
import type { DeviceContext } from './device.js';
import type { DiskBacking } from './disk-backing.js';
import { AtaDisk, ATA_DEV_DEV1, type AtaDiskOptions, type AtaWiring } from './ata-disk.js';

export class AtaChannel {
  readonly master: AtaDisk;
  readonly slave: AtaDisk;
  private readonly levels = [false, false];
  private line = false;

  constructor(
    private readonly ctx: DeviceContext,
    readonly wiring: AtaWiring,
    masterBacking: DiskBacking,
    slaveBacking: DiskBacking,
    options: AtaDiskOptions = {},
  ) {
    const driveCtx = (drive: 0 | 1): DeviceContext => ({
      ...ctx,
      irq: { setIrq: (_line, level) => this.driveIrq(drive, level) },
    });
    this.master = new AtaDisk(driveCtx(0), wiring, masterBacking, { ...options, drive: 0 });
    this.slave = new AtaDisk(driveCtx(1), wiring, slaveBacking, { ...options, drive: 1 });
  }

  /**
   * 0 or 1: the drive the DEV bit selects. Both drives latch every device/head write, so their
   * copies agree; the slave's is read (a reset's signature clears both to device 0).
   */
  get selected(): 0 | 1 {
    return this.slave.state.select & ATA_DEV_DEV1 ? 1 : 0;
  }

  private drive(): AtaDisk {
    return this.selected === 1 ? this.slave : this.master;
  }

  attach(bus: Bus): void {
    const w = this.wiring;
    this.master.id = bus.registerDevice(this.master.name);
    this.slave.id = bus.registerDevice(this.slave.name);
    const data: IoHandler = {
      sizes: SIZES_ALL,
      read: (port, size) => this.drive().dataPort.read(port, size),
      write: (port, size, value) => this.drive().dataPort.write(port, size, value),
    };
    const registers: IoHandler = {
      sizes: SIZE_8,
      read: (port, size) => this.drive().read(port),
      stableRead: (port) => this.drive().stableRead(port),
      write: (port, size, value) => {
        this.master.write(port, size, value);
        this.slave.write(port, size, value);
        this.updateLine();
      },
    };
    bus.mapPorts(this.master.id, w.command.base, 1, data);
    bus.mapPorts(this.master.id, w.command.base + 1, w.command.count - 1, registers);
    bus.mapPorts(this.master.id, w.control, 1, registers);
  }

  private driveIrq(drive: 0 | 1, level: boolean): void {
    this.levels[drive] = level;
    this.updateLine(true);
  }

  /** INTRQ: the selected drive's. */
  private updateLine(force = false): void {
    const level = this.levels[this.selected];
    if (force || level !== this.line) {
      this.line = level;
      this.ctx.irq.setIrq(this.wiring.irq, level);
    }
  }
}
