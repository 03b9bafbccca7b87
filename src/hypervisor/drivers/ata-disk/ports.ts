/**
 * The primary ATA channel's registers where the board puts them (src/board/layout.ts): the
 * command block at its base (ATA/ATAPI-6, 7.1, offsets 0–7) and the control block's device
 * control / alternate status register.
 */
import { BOARD } from '../../../board/layout.js';

export const ATA_BASE = BOARD.ata.command.base;
export const ATA_DATA = ATA_BASE + 0;
/** Error (read) / features (write). */
export const ATA_ERROR = ATA_BASE + 1;
export const ATA_FEATURE = ATA_BASE + 1;
export const ATA_NSECTOR = ATA_BASE + 2;
export const ATA_SECTOR = ATA_BASE + 3;
export const ATA_LCYL = ATA_BASE + 4;
export const ATA_HCYL = ATA_BASE + 5;
export const ATA_SELECT = ATA_BASE + 6;
/** Status (read: clears INTRQ) / command (write). */
export const ATA_STATUS = ATA_BASE + 7;
export const ATA_COMMAND = ATA_BASE + 7;
/** Alternate status (read: no side effect) / device control (write). */
export const ATA_CONTROL = BOARD.ata.control;
