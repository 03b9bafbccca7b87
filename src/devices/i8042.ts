/**
 * The 8042 keyboard controller (ports 0x60 data, 0x64 status/command) with a PS/2 keyboard on
 * its first port and nothing on its auxiliary (mouse) port, as a PC BIOS leaves it: keyboard
 * enabled, IRQ1 on, translation to set 1 on, mouse port disabled, A20 open.
 *
 * Controller (8042 datasheet; IBM PS/2 Technical Reference, "Keyboard/Auxiliary Device
 * Controller"): status bits OBF (0), IBF (1: always 0, writes are taken at once), SYS (2),
 * A2 (3: the last write was to the command port), INH (4: 1 = keyboard not inhibited by the
 * key lock), AUXB (5: the byte is the auxiliary port's), TIMEOUT (6). Command byte bits:
 * KBD INT (0), AUX INT (1), SYS (2), KBD DISABLE (4), AUX DISABLE (5), XLATE (6).
 * Output port: bit 0 is the CPU's reset line (active low), bit 1 the A20 gate — writing it sets
 * the board's one A20 latch, which port 0x92 shares (the last writer decides, as in QEMU).
 *
 * IRQ1 is OBF with a keyboard byte and KBD INT set (a level, as the chip's OBF pin through the
 * enable gate); IRQ12 the same for an auxiliary byte and AUX INT. The keyboard queues what it
 * sends (replies, scan codes) in its own 16-byte buffer and hands the next byte over as soon
 * as the output buffer is empty and the keyboard interface enabled (the controller's clock
 * inhibit otherwise holds it back). The real cable takes about 1 ms a byte; we take none.
 *
 * No auxiliary device is attached: a byte written to it (0xD4) is answered with a transmit
 * time-out — 0xFE in the output buffer with AUXB and TIMEOUT set — as a PS/2 controller does
 * when no device clocks the byte in. 0xD3 (write auxiliary output buffer) works, so Linux's
 * loop test sees a PS/2 controller.
 */
import { SIZE_8, type Bus } from '../machine/bus.js';
import { Device, type DeviceContext } from './device.js';
import type { StateSchema } from './schema.js';
import { SET2_BREAK_PREFIX, set1ToSet2, translateSet2 } from './i8042-scancodes.js';
import { trackedState } from './tracked-state.js';

/** Where the board puts the controller: its two ports and the ISA lines of its two ports. */
export interface I8042Wiring {
  readonly data: number;
  readonly command: number;
  readonly irq: number;
  readonly auxIrq: number;
}

export const STATUS_OBF = 0x01;
export const STATUS_IBF = 0x02;
export const STATUS_SYS = 0x04;
export const STATUS_A2 = 0x08;
export const STATUS_INH = 0x10;
export const STATUS_AUXB = 0x20;
export const STATUS_TIMEOUT = 0x40;

export const CMD_KBD_INT = 0x01;
export const CMD_AUX_INT = 0x02;
export const CMD_SYS = 0x04;
export const CMD_KBD_DISABLE = 0x10;
export const CMD_AUX_DISABLE = 0x20;
export const CMD_XLATE = 0x40;

export const OUT_RESET = 0x01;
export const OUT_A20 = 0x02;

// Controller commands (written to the command port).
export const CCMD_READ_CMD = 0x20;
export const CCMD_WRITE_CMD = 0x60;
export const CCMD_AUX_DISABLE = 0xa7;
export const CCMD_AUX_ENABLE = 0xa8;
export const CCMD_SELF_TEST = 0xaa;
export const CCMD_KBD_TEST = 0xab;
export const CCMD_KBD_DISABLE = 0xad;
export const CCMD_KBD_ENABLE = 0xae;
export const CCMD_READ_OUTPORT = 0xd0;
export const CCMD_WRITE_OUTPORT = 0xd1;
export const CCMD_WRITE_KBD_OBUF = 0xd2;
export const CCMD_WRITE_AUX_OBUF = 0xd3;
export const CCMD_WRITE_AUX = 0xd4;
export const CCMD_A20_OFF = 0xdd;
export const CCMD_A20_ON = 0xdf;
export const CCMD_PULSE_RESET = 0xfe;

/** Controller commands whose next data-port byte is their parameter. */
export const CCMDS_WITH_DATA: ReadonlySet<number> = new Set([
  CCMD_WRITE_CMD, CCMD_WRITE_OUTPORT, CCMD_WRITE_KBD_OBUF, CCMD_WRITE_AUX_OBUF, CCMD_WRITE_AUX,
]);

// Keyboard commands (written to the data port) and replies.
export const KBD_SET_LEDS = 0xed;
export const KBD_ECHO = 0xee;
export const KBD_SCAN_SET = 0xf0;
export const KBD_IDENTIFY = 0xf2;
export const KBD_TYPEMATIC = 0xf3;
export const KBD_ENABLE = 0xf4;
export const KBD_DISABLE = 0xf5;
export const KBD_DEFAULTS = 0xf6;
export const KBD_RESEND = 0xfe;
export const KBD_RESET = 0xff;
export const KBD_ACK = 0xfa;
export const KBD_BAT_OK = 0xaa;
/** An MF2 keyboard's identity (untranslated; the controller translates 0x83 to 0x41). */
export const KBD_ID = [0xab, 0x83] as const;
/** Keyboard commands whose next byte is their parameter. */
export const KBD_CMDS_WITH_PARAM: ReadonlySet<number> = new Set([KBD_SET_LEDS, KBD_SCAN_SET, KBD_TYPEMATIC]);

/** The keyboard's own send buffer (PS/2 keyboards hold 16 keys). */
export const KBD_QUEUE_SIZE = 16;

/** As a PC BIOS leaves the controller: XLATE, SYS, KBD INT; the (absent) mouse port disabled. */
export const POWER_ON_COMMAND_BYTE = CMD_XLATE | CMD_AUX_DISABLE | CMD_SYS | CMD_KBD_INT;
/** Reset line high (not in reset), A20 open, the unused bits high. */
export const POWER_ON_OUTPORT = 0xcf;
export const POWER_ON_STATUS = STATUS_SYS | STATUS_INH;
/** Typematic 10.9 cps, 500 ms delay (the keyboard's default). */
export const KBD_DEFAULT_TYPEMATIC = 0x2b;

const SCHEMA: StateSchema = {
  device: 'i8042',
  version: 1,
  fields: [
    { name: 'status', width: 8, access: 'ro', role: 'processing', doc: 'status register (port 0x64 read): OBF, SYS, A2, INH, AUXB, TIMEOUT' },
    { name: 'output_buffer', width: 8, access: 'internal', role: 'processing', doc: 'the byte in the output buffer: reading port 0x60 takes it while status.OBF, and returns it again (stale) after' },
    { name: 'command_byte', width: 8, access: 'wo', role: 'config', doc: 'controller command byte: KBD INT, AUX INT, SYS, KBD/AUX DISABLE, XLATE (readable only through the output buffer, command 0x20)' },
    { name: 'output_port', width: 8, access: 'wo', role: 'config', doc: 'output port: bit 0 CPU reset (active low), bit 1 A20 gate (readable only through the output buffer, command 0xD0)' },
    { name: 'pending_command', width: 8, access: 'internal', role: 'processing', doc: 'controller command waiting for its data-port byte (0x60, 0xD1-0xD4), 0 when none' },
    { name: 'xlate_break', width: 1, access: 'internal', role: 'processing', doc: 'translation saw a set-2 break prefix (F0): the next code becomes a set-1 break code' },
    { name: 'kbd_queue', width: 8, length: KBD_QUEUE_SIZE, access: 'internal', role: 'processing', doc: 'bytes the keyboard holds for the controller (set 2, oldest first, unused slots 0)' },
    { name: 'kbd_count', width: 8, access: 'internal', role: 'processing', doc: 'bytes in kbd_queue' },
    { name: 'kbd_scanning', width: 1, access: 'wo', role: 'config', doc: 'keyboard scanning enabled (F4 enables, F5 disables, FF and F6 enable)' },
    { name: 'kbd_param_command', width: 8, access: 'internal', role: 'processing', doc: 'keyboard command waiting for its parameter byte (ED, F0, F3), 0 when none' },
    { name: 'kbd_leds', width: 8, access: 'wo', role: 'config', doc: 'keyboard LEDs (ED): scroll, num, caps lock' },
    { name: 'kbd_scan_set', width: 8, access: 'wo', role: 'config', doc: 'scan code set selected with F0 (1-3; reported by F0 00, codes are sent in set 2)' },
    { name: 'kbd_typematic', width: 8, access: 'wo', role: 'config', doc: 'typematic rate and delay (F3)' },
  ],
};

export type I8042State = {
  status: number;
  output_buffer: number;
  command_byte: number;
  output_port: number;
  pending_command: number;
  xlate_break: number;
  kbd_queue: number[];
  kbd_count: number;
  kbd_scanning: number;
  kbd_param_command: number;
  kbd_leds: number;
  kbd_scan_set: number;
  kbd_typematic: number;
};

export interface I8042Hooks {
  /** The output port's A20 bit was written (the board's one A20 latch, shared with port 0x92). */
  a20(open: boolean): void;
  /** The output port's reset line went low (0xD1 with bit 0 clear, 0xFE). */
  resetRequest(): void;
}

function powerOnState(): I8042State {
  return {
    status: POWER_ON_STATUS,
    output_buffer: 0,
    command_byte: POWER_ON_COMMAND_BYTE,
    output_port: POWER_ON_OUTPORT,
    pending_command: 0,
    xlate_break: 0,
    kbd_queue: new Array<number>(KBD_QUEUE_SIZE).fill(0),
    kbd_count: 0,
    kbd_scanning: 1,
    kbd_param_command: 0,
    kbd_leds: 0,
    kbd_scan_set: 2,
    kbd_typematic: KBD_DEFAULT_TYPEMATIC,
  };
}

export class I8042 extends Device<I8042State> {
  readonly schema = SCHEMA;
  state: I8042State = trackedState(SCHEMA, powerOnState());

  constructor(
    ctx: DeviceContext,
    readonly wiring: I8042Wiring,
    private readonly hooks: I8042Hooks,
  ) {
    super(ctx);
  }

  /** Both ports, on the one bus (they are not contiguous: 0x61 is port B). */
  mapPorts(bus: Bus): void {
    this.id = bus.registerDevice(this.name);
    const handler = { sizes: SIZE_8, read: (port: number) => this.read(port), write: (port: number, _size: number, value: number) => this.write(port, value) };
    bus.mapPorts(this.id, this.wiring.data, 1, handler);
    bus.mapPorts(this.id, this.wiring.command, 1, handler);
  }

  reset(): void {
    Object.assign(this.state, powerOnState());
    this.afterRestore();
  }

  /**
   * The outside world: set-1 codes typed on the keyboard (the input script's `key` lines). A
   * keyboard whose scanning is off ignores keys; one whose buffer is full drops them.
   */
  typeCodes(set1: Uint8Array): void {
    if (this.state.kbd_scanning === 0) return;
    for (const b of set1ToSet2(set1)) this.kbdSend(b);
    this.pump();
  }

  read(port: number): number {
    const s = this.state;
    if (port === this.wiring.command) return s.status;
    const value = s.output_buffer;
    if (s.status & STATUS_OBF) {
      s.status &= ~(STATUS_OBF | STATUS_AUXB | STATUS_TIMEOUT);
      this.updateIrq();
      this.pump();
    }
    return value;
  }

  write(port: number, value: number): void {
    value &= 0xff;
    const s = this.state;
    if (port === this.wiring.command) {
      s.status |= STATUS_A2;
      s.pending_command = 0;
      this.command(value);
      return;
    }
    s.status &= ~STATUS_A2;
    const pending = s.pending_command;
    s.pending_command = 0;
    switch (pending) {
      case CCMD_WRITE_CMD:
        this.setCommandByte(value);
        break;
      case CCMD_WRITE_OUTPORT:
        this.setOutputPort(value);
        break;
      case CCMD_WRITE_KBD_OBUF:
        this.fillOutput(value, 0);
        break;
      case CCMD_WRITE_AUX_OBUF:
        this.fillOutput(value, STATUS_AUXB);
        break;
      case CCMD_WRITE_AUX:
        // No auxiliary device clocks the byte in: a transmit time-out.
        this.fillOutput(KBD_RESEND, STATUS_AUXB | STATUS_TIMEOUT);
        break;
      default:
        // A byte for the keyboard; sending to it re-enables the keyboard interface.
        s.command_byte &= ~CMD_KBD_DISABLE;
        this.keyboardCommand(value);
        this.pump();
    }
  }

  private command(cmd: number): void {
    const s = this.state;
    if (CCMDS_WITH_DATA.has(cmd)) {
      s.pending_command = cmd;
      return;
    }
    switch (cmd) {
      case CCMD_READ_CMD:
        this.fillOutput(s.command_byte, 0);
        break;
      case CCMD_AUX_DISABLE:
        s.command_byte |= CMD_AUX_DISABLE;
        break;
      case CCMD_AUX_ENABLE:
        s.command_byte &= ~CMD_AUX_DISABLE;
        break;
      case CCMD_SELF_TEST:
        s.status |= STATUS_SYS;
        this.fillOutput(0x55, 0);
        break;
      case CCMD_KBD_TEST:
        this.fillOutput(0x00, 0);
        break;
      case CCMD_KBD_DISABLE:
        s.command_byte |= CMD_KBD_DISABLE;
        break;
      case CCMD_KBD_ENABLE:
        s.command_byte &= ~CMD_KBD_DISABLE;
        this.pump();
        break;
      case CCMD_READ_OUTPORT: {
        const obf = s.status & STATUS_OBF ? (s.status & STATUS_AUXB ? 0x20 : 0x10) : 0;
        this.fillOutput((s.output_port & ~0x30) | obf, 0);
        break;
      }
      case CCMD_A20_OFF:
        this.setOutputPort(s.output_port & ~OUT_A20);
        break;
      case CCMD_A20_ON:
        this.setOutputPort(s.output_port | OUT_A20);
        break;
      default:
        // 0xF0-0xFF pulse output port bits 0-3 low for 6 µs: bit 0 is the reset line.
        if (cmd >= 0xf0 && (cmd & OUT_RESET) === 0) this.hooks.resetRequest();
        // Other commands (0xA9 auxiliary test, 0xC0 input port, …) are not implemented: no reply.
        break;
    }
  }

  private setCommandByte(value: number): void {
    const s = this.state;
    s.command_byte = value & 0x7f;
    // The SYS status bit follows the command byte's.
    s.status = (s.status & ~STATUS_SYS) | (value & CMD_SYS ? STATUS_SYS : 0);
    this.updateIrq();
    this.pump();
  }

  private setOutputPort(value: number): void {
    this.state.output_port = value & 0xff;
    this.hooks.a20((value & OUT_A20) !== 0);
    if ((value & OUT_RESET) === 0) this.hooks.resetRequest();
  }

  /** Put a controller byte in the output buffer (a controller's own reply overwrites an unread one). */
  private fillOutput(value: number, flags: number): void {
    const s = this.state;
    s.output_buffer = value & 0xff;
    s.status = (s.status & ~(STATUS_AUXB | STATUS_TIMEOUT)) | STATUS_OBF | flags;
    this.updateIrq();
  }

  private keyboardCommand(value: number): void {
    const s = this.state;
    const param = s.kbd_param_command;
    if (param !== 0) {
      s.kbd_param_command = 0;
      if (param === KBD_SET_LEDS) s.kbd_leds = value & 0x07;
      else if (param === KBD_TYPEMATIC) s.kbd_typematic = value & 0x7f;
      else if (value === 0) {
        this.kbdSend(KBD_ACK);
        this.kbdSend(s.kbd_scan_set);
        return;
      } else if (value <= 3) s.kbd_scan_set = value;
      this.kbdSend(KBD_ACK);
      return;
    }
    switch (value) {
      case KBD_RESET:
        this.keyboardDefaults();
        s.kbd_count = 0;
        this.kbdSend(KBD_ACK);
        this.kbdSend(KBD_BAT_OK);
        break;
      case KBD_IDENTIFY:
        this.kbdSend(KBD_ACK);
        for (const b of KBD_ID) this.kbdSend(b);
        break;
      case KBD_ECHO:
        this.kbdSend(KBD_ECHO);
        break;
      case KBD_ENABLE:
        s.kbd_scanning = 1;
        this.kbdSend(KBD_ACK);
        break;
      case KBD_DISABLE:
        this.keyboardDefaults();
        s.kbd_scanning = 0;
        this.kbdSend(KBD_ACK);
        break;
      case KBD_DEFAULTS:
        this.keyboardDefaults();
        this.kbdSend(KBD_ACK);
        break;
      default:
        if (KBD_CMDS_WITH_PARAM.has(value)) s.kbd_param_command = value;
        this.kbdSend(KBD_ACK);
    }
  }

  private keyboardDefaults(): void {
    const s = this.state;
    s.kbd_scanning = 1;
    s.kbd_leds = 0;
    s.kbd_scan_set = 2;
    s.kbd_typematic = KBD_DEFAULT_TYPEMATIC;
    s.kbd_param_command = 0;
  }

  private kbdSend(byte: number): void {
    const s = this.state;
    if (s.kbd_count >= KBD_QUEUE_SIZE) return;
    s.kbd_queue[s.kbd_count++] = byte & 0xff;
  }

  /** The keyboard hands its next byte over when the output buffer is empty and its interface enabled. */
  private pump(): void {
    const s = this.state;
    while (s.kbd_count > 0 && (s.status & STATUS_OBF) === 0 && (s.command_byte & CMD_KBD_DISABLE) === 0) {
      const b = s.kbd_queue[0];
      s.kbd_queue.copyWithin(0, 1);
      s.kbd_queue[KBD_QUEUE_SIZE - 1] = 0;
      s.kbd_count--;
      if ((s.command_byte & CMD_XLATE) === 0) {
        this.fillOutput(b, 0);
      } else if (b === SET2_BREAK_PREFIX) {
        s.xlate_break = 1; // the prefix itself never reaches the guest
      } else {
        const code = translateSet2(b) | (s.xlate_break ? 0x80 : 0);
        s.xlate_break = 0;
        this.fillOutput(code, 0);
      }
    }
  }

  private updateIrq(): void {
    const s = this.state;
    const full = (s.status & STATUS_OBF) !== 0;
    const aux = (s.status & STATUS_AUXB) !== 0;
    this.ctx.irq.setIrq(this.wiring.irq, full && !aux && (s.command_byte & CMD_KBD_INT) !== 0);
    this.ctx.irq.setIrq(this.wiring.auxIrq, full && aux && (s.command_byte & CMD_AUX_INT) !== 0);
  }

  /** The A20 latch is the board's (port 0x92 holds it): a restore does not drive it from here. */
  protected override afterRestore(): void {
    this.updateIrq();
  }

  protected override derived(): Record<string, number | string> {
    const s = this.state;
    return { irq1: +((s.status & STATUS_OBF) !== 0 && (s.status & STATUS_AUXB) === 0 && (s.command_byte & CMD_KBD_INT) !== 0) };
  }
}
