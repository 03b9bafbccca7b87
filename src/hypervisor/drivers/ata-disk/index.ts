/**
 * The primary ATA channel: the master (device `ata0`) and, when the machine has a slave disk,
 * device 1 (`ata0.slave`), driving ISA IRQ14. One driver for the channel, not one per drive:
 * both drives decode the same ports and latch every command-block write, so one set of
 * intercepts feeds both drives' shadows, and capturing or rebuilding one drive means switching
 * the DEV bit both see. Features, command and device control are write-only and the PIO
 * transfer position internal (shadow, per drive); a BSY period's time left is measured while
 * the guest is paused; reconstruction re-runs each drive's last command with its shared disk's
 * own data, the drive the guest did not select first, the selected one last.
 */
import type { DeviceDriver, FaultSpec } from '../driver.js';
import { BOARD } from '../../../board/layout.js';
import { ATA_COMMAND_DELAY, ATA_CTL_NIEN, ATA_SECTOR_DELAY, ATA_SR_BSY } from '../../../devices/ata-disk.js';
import { CapturedView } from '../../captured.js';
import { AtaChannelShadow, type ATA_SHADOW_FIELDS } from './shadow.js';
import { captureAta, captureAtaChannel } from './capture.js';
import { reconstructAtaChannel } from './reconstruct.js';
import { ATA_COMMAND, ATA_CONTROL, ATA_SELECT, ATA_STATUS } from './ports.js';
import { RANK } from '../ranks.js';

const EXECUTE_DEVICE_DIAGNOSTIC = 0x90;

export const ATA_SELECTED_DRIVE_LOST: FaultSpec = {
  name: 'ata-selected-drive-lost',
  side: 'reconstruct',
  device: 'ata0.slave',
  effect: 'the selected-drive bit (DEV, device/head bit 4) is lost: reconstruction leaves the master selected when the guest had selected the slave, so both drives\' device/head registers differ and the master answers the guest',
};

export const ATA_MULTIPLE_LOST: FaultSpec = {
  name: 'ata-multiple-lost',
  side: 'reconstruct',
  device: 'ata0',
  effect: 'the drive\'s settings step does not re-issue SET MULTIPLE MODE (0xC6): the destination\'s drive keeps its power-on block count 0 — ata0.mult_sectors (write-only) — so the guest\'s last READ/WRITE MULTIPLE, re-run to rebuild the drive (in progress or done), is aborted (ata0.error ABRT, ata0.status ERR, the buffer and transfer lost) and the guest\'s next one fails; idle right after SET MULTIPLE the fault hides (that command, run again as the last one, sets the count)',
};

export const ataDiskDriver: DeviceDriver<AtaChannelShadow> = {
  devices: ['ata0', 'ata0.slave'],
  ports: [BOARD.ata.command, { base: BOARD.ata.control, count: 1 }],
  mmio: [],
  irqs: [BOARD.ata.irq],
  faults: [ATA_SELECTED_DRIVE_LOST, ATA_MULTIPLE_LOST],
  captureStage: 'instant',
  // Reading the other drive means selecting it, and INTRQ is the selected drive's: IRQ14 drops
  // and rises again when the guest's drive is selected back — an edge the guest never made.
  captureStageOf: (shadow) => (shadow.slave === null ? 'instant' : 'disturbs-line'),

  attach({ intercepts, options, storage, slaveStorage }) {
    const disk = (s: typeof storage) => ({ geometry: s.geometry, readSector: (lba: number) => s.readSector(lba) });
    return new AtaChannelShadow(intercepts, options.attach === 'boot', disk(storage), slaveStorage === null ? null : disk(slaveStorage));
  },

  unknownFields(shadow) {
    return shadow.drives.flatMap((d) => d.known.unknown().map((f) => `${d.drive === 0 ? 'ata0' : 'ata0.slave'}.${f}`));
  },

  agentReport(shadow, device, field, _channel, value) {
    const drive = device === 'ata0.slave' ? shadow.slave : shadow.master;
    if (drive === null) return null;
    drive.supply(field as (typeof ATA_SHADOW_FIELDS)[number], value);
    return `${device}.${field}`;
  },

  capture(ctx, shadow) {
    // A lone master is read exactly as it always was; with a slave, both drives through DEV.
    return { builders: shadow.slave === null ? [captureAta(ctx, shadow.master)] : captureAtaChannel(ctx, shadow) };
  },

  // INTRQ is the selected drive's (the other drive's is released).
  lineLevels(captured) {
    const master = captured('ata0');
    const slave = captured('ata0.slave');
    const ata = slave !== null && master !== null && master.num('select') & 0x10 ? slave : master;
    return ata?.num('irq_pending') && !(ata.num('devctl') & ATA_CTL_NIEN) ? 1 << BOARD.ata.irq : 0;
  },

  // Per drive at most three commands (a priming IDENTIFY or READ, a setting, the last command
  // again), with two drives the guest's last transfer re-run from the task file the other
  // drive latched (its sector count), and one EXECUTE DEVICE DIAGNOSTIC for an 8259A edge
  // request on IRQ14; with the board's drive timing.
  switchWork(capture) {
    const view = (name: string) => {
      const d = capture.devices.find((x) => x.device === name);
      return d === undefined ? null : new CapturedView(d);
    };
    const master = view('ata0');
    if (master === null) return 0;
    const slave = view('ata0.slave');
    let work = ATA_COMMAND_DELAY + 3 * ATA_COMMAND_DELAY + ATA_SECTOR_DELAY;
    if (slave !== null) {
      const other = master.num('select') & 0x10 ? master : slave;
      work += 3 * ATA_COMMAND_DELAY + ((other.num('nsector') || 256) + 1) * ATA_SECTOR_DELAY;
    }
    return work;
  },

  // EXECUTE DEVICE DIAGNOSTIC: INTRQ after the command's BSY time; a status read drops it.
  irqLine: {
    irq: BOARD.ata.irq,
    restoreSafe: false,
    rebuiltAtSwitch: true, // reconstructAtaChannel: at the switch window's start, rank ata
    create(io) {
      return {
        raise() {
          io.out8(ATA_CONTROL, 0x00);
          io.out8(ATA_SELECT, 0xa0);
          io.out8(ATA_COMMAND, EXECUTE_DEVICE_DIAGNOSTIC);
          // BSY lasts the drive's command time: poll the alternate status (no side effects).
          for (let i = 0; i < 1000 && io.in8(ATA_CONTROL) & ATA_SR_BSY; i++) io.wait(100);
        },
        lower() {
          io.in8(ATA_STATUS);
        },
      };
    },
  },

  reconstruct: [
    {
      rank: RANK.ata,
      plan: (ctx) => reconstructAtaChannel(ctx, { dropDev: ctx.options.faults.has(ATA_SELECTED_DRIVE_LOST.name) }),
    },
  ],
};
