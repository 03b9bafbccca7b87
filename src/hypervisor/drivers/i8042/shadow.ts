/**
 * Shadow of the 8042's write-only state: the command byte and output port (readable only
 * through the output buffer — commands 0x20 and 0xD0 — so reading them at the switch-over
 * would take the guest's pending byte, or be taken by it), the controller command waiting for
 * its data byte, and the keyboard's settings (scanning, LEDs, scan set, typematic) and its
 * half-sent command, which only the keyboard knows. Both ports are trapped for writes, always:
 * a data-port byte means different things after different commands. Reads are never trapped.
 *
 * The rules are the chip's (src/devices/i8042.ts): a command-port write cancels a pending
 * command; a data-port byte with none pending goes to the keyboard and re-enables the
 * keyboard interface.
 */
import { DIR_WRITE, type Intercepts, type TrappedAccess } from '../../intercepts.js';
import { KnownFields } from '../../known-fields.js';
import { BOARD } from '../../../board/layout.js';
import {
  CCMD_A20_OFF, CCMD_A20_ON, CCMD_AUX_DISABLE, CCMD_AUX_ENABLE, CCMD_KBD_DISABLE, CCMD_KBD_ENABLE, CCMD_WRITE_CMD,
  CCMD_WRITE_OUTPORT, CCMDS_WITH_DATA, CMD_AUX_DISABLE, CMD_KBD_DISABLE, KBD_CMDS_WITH_PARAM, KBD_DEFAULT_TYPEMATIC,
  KBD_DEFAULTS, KBD_DISABLE, KBD_ENABLE, KBD_RESET, KBD_SCAN_SET, KBD_SET_LEDS, KBD_TYPEMATIC, OUT_A20,
  POWER_ON_COMMAND_BYTE, POWER_ON_OUTPORT,
} from '../../../devices/i8042.js';

export const KBC_DATA = BOARD.i8042.data;
export const KBC_COMMAND = BOARD.i8042.command;

/** The fields a late attach cannot know until the guest writes them. */
export const I8042_SHADOW_FIELDS = [
  'command_byte', 'output_port', 'pending_command', 'kbd_scanning', 'kbd_param_command', 'kbd_leds', 'kbd_scan_set', 'kbd_typematic',
] as const;

export class I8042Shadow {
  commandByte = POWER_ON_COMMAND_BYTE;
  outputPort = POWER_ON_OUTPORT;
  pendingCommand = 0;
  scanning = 1;
  paramCommand = 0;
  leds = 0;
  scanSet = 2;
  typematic = KBD_DEFAULT_TYPEMATIC;
  readonly known: KnownFields;

  constructor(intercepts: Intercepts, bootAttach: boolean) {
    this.known = new KnownFields(I8042_SHADOW_FIELDS, bootAttach);
    intercepts.onPort(KBC_COMMAND, (a) => this.onCommand(a));
    intercepts.onPort(KBC_DATA, (a) => this.onData(a));
    intercepts.trapPort(KBC_COMMAND, DIR_WRITE);
    intercepts.trapPort(KBC_DATA, DIR_WRITE);
  }

  private onCommand(a: TrappedAccess): void {
    if (a.dir !== DIR_WRITE) return;
    const cmd = a.value & 0xff;
    this.pendingCommand = CCMDS_WITH_DATA.has(cmd) ? cmd : 0;
    this.known.learn('pending_command');
    switch (cmd) {
      case CCMD_AUX_DISABLE: this.commandByte |= CMD_AUX_DISABLE; break;
      case CCMD_AUX_ENABLE: this.commandByte &= ~CMD_AUX_DISABLE; break;
      case CCMD_KBD_DISABLE: this.commandByte |= CMD_KBD_DISABLE; break;
      case CCMD_KBD_ENABLE: this.commandByte &= ~CMD_KBD_DISABLE; break;
      case CCMD_A20_OFF: this.outputPort &= ~OUT_A20; break;
      case CCMD_A20_ON: this.outputPort |= OUT_A20; break;
    }
  }

  private onData(a: TrappedAccess): void {
    if (a.dir !== DIR_WRITE) return;
    const v = a.value & 0xff;
    const pending = this.pendingCommand;
    this.pendingCommand = 0;
    if (pending === CCMD_WRITE_CMD) {
      this.commandByte = v & 0x7f;
      this.known.learn('command_byte');
    } else if (pending === CCMD_WRITE_OUTPORT) {
      this.outputPort = v;
      this.known.learn('output_port');
    } else if (pending === 0) {
      this.commandByte &= ~CMD_KBD_DISABLE;
      this.keyboard(v);
    }
  }

  private keyboard(v: number): void {
    const param = this.paramCommand;
    this.known.learn('kbd_param_command');
    if (param !== 0) {
      this.paramCommand = 0;
      if (param === KBD_SET_LEDS) {
        this.leds = v & 0x07;
        this.known.learn('kbd_leds');
      } else if (param === KBD_TYPEMATIC) {
        this.typematic = v & 0x7f;
        this.known.learn('kbd_typematic');
      } else if (param === KBD_SCAN_SET && v >= 1 && v <= 3) {
        this.scanSet = v;
        this.known.learn('kbd_scan_set');
      }
      return;
    }
    if (v === KBD_RESET || v === KBD_DEFAULTS || v === KBD_DISABLE) {
      this.scanning = v === KBD_DISABLE ? 0 : 1;
      this.leds = 0;
      this.scanSet = 2;
      this.typematic = KBD_DEFAULT_TYPEMATIC;
      this.known.learn('kbd_scanning', 'kbd_leds', 'kbd_scan_set', 'kbd_typematic');
    } else if (v === KBD_ENABLE) {
      this.scanning = 1;
      this.known.learn('kbd_scanning');
    } else if (KBD_CMDS_WITH_PARAM.has(v)) {
      this.paramCommand = v;
    }
  }

  /** A guest agent's report (late attach). */
  supply(field: (typeof I8042_SHADOW_FIELDS)[number], value: number): void {
    switch (field) {
      case 'command_byte': this.commandByte = value & 0x7f; break;
      case 'output_port': this.outputPort = value & 0xff; break;
      case 'pending_command': this.pendingCommand = value & 0xff; break;
      case 'kbd_scanning': this.scanning = value & 1; break;
      case 'kbd_param_command': this.paramCommand = value & 0xff; break;
      case 'kbd_leds': this.leds = value & 0x07; break;
      case 'kbd_scan_set': this.scanSet = value & 0xff; break;
      case 'kbd_typematic': this.typematic = value & 0x7f; break;
    }
    this.known.learn(field);
  }
}
