/**
 * The ATA drive on the primary channel (device `ata0`), driving ISA IRQ14. Features, command
 * and device control are write-only and the PIO transfer position internal (shadow); a BSY
 * period's time left is measured while the guest is paused; reconstruction re-runs the last
 * command with the shared disk's own data.
 */
import type { DeviceDriver } from '../driver.js';
import { BOARD } from '../../../board/layout.js';
import { ATA_CTL_NIEN, ATA_SR_BSY } from '../../../devices/ata-disk.js';
import { defaultGeometry } from '../../../devices/ata-identify.js';
import { AtaShadow, type ATA_SHADOW_FIELDS } from './shadow.js';
import { captureAta } from './capture.js';
import { reconstructAta } from './reconstruct.js';
import { ATA_COMMAND, ATA_CONTROL, ATA_SELECT, ATA_STATUS } from './ports.js';
import { RANK } from '../ranks.js';

const EXECUTE_DEVICE_DIAGNOSTIC = 0x90;

export const ataDiskDriver: DeviceDriver<AtaShadow> = {
  devices: ['ata0'],
  ports: [BOARD.ata.command, { base: BOARD.ata.control, count: 1 }],
  mmio: [],
  irqs: [BOARD.ata.irq],
  faults: [],
  captureStage: 'instant',

  attach({ intercepts, options, storage }) {
    return new AtaShadow(intercepts, options.attach === 'boot', storage.geometry, (lba) => storage.readSector(lba));
  },

  unknownFields(shadow) {
    return shadow.known.unknown().map((f) => `ata0.${f}`);
  },

  agentReport(shadow, device, field, _channel, value) {
    shadow.supply(field as (typeof ATA_SHADOW_FIELDS)[number], value);
    return `${device}.${field}`;
  },

  capture(ctx, shadow) {
    return { builders: [captureAta(ctx, shadow)] };
  },

  lineLevels(captured) {
    const ata = captured('ata0');
    return ata?.num('irq_pending') && !(ata.num('devctl') & ATA_CTL_NIEN) ? 1 << BOARD.ata.irq : 0;
  },

  // EXECUTE DEVICE DIAGNOSTIC: INTRQ after the command's BSY time; a status read drops it.
  irqLine: {
    irq: BOARD.ata.irq,
    restoreSafe: false,
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
      plan: (ctx) => reconstructAta(ctx, ctx.must('ata0'), defaultGeometry(ctx.io.machine.board.disk.backing.sectors)),
    },
  ],
};
