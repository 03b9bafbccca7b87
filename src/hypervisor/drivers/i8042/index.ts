/**
 * The 8042 keyboard controller (device `i8042`), driving ISA IRQ1 (keyboard) and IRQ12
 * (auxiliary port; no device on it). docs/hypervisor.md, "i8042", has the table.
 *
 * Capture. The status register is read (no side effect). The command byte, the output port,
 * a controller command waiting for its data byte and the keyboard's settings are the shadow's
 * (shadow.ts): the command byte and output port are readable only through the output buffer
 * (0x20, 0xD0), where reading them would take the place of — or be taken by — the guest's
 * pending byte, so they are probed only when a late attach left them unknown. With the output
 * buffer empty, 0x60 reads its last byte without effect (the stale byte is state too: a read
 * returns it), and it is put back after a probe (0xD2 + read). A pending output
 * byte is read out and put back: the keyboard interface is disabled first (0xAD, so the
 * keyboard's next byte cannot move in behind it), the byte read from 0x60, written back with
 * 0xD2 (0xD3 for an auxiliary byte; 0xD4 reproduces the no-mouse time-out), the interface
 * enabled again, and the status's A2 bit and a pending command left as the guest's last write
 * had them. Reading drops IRQ1 and the write-back raises it: the capture runs with the lines
 * masked upstream (captureStage `disturbs-line`) and the 8259A retires the edge.
 *
 * Residual: bytes the keyboard still holds behind a full output buffer (a multi-byte reply, a
 * shifted key) — the controller has no way to read them without taking them; taken as none.
 *
 * Reconstruction, all at the switch window's start on the fresh destination (power-on state):
 * keyboard interrupts off, the keyboard's settings by its own commands (their ACKs read out), a
 * half-sent keyboard command re-sent, the command byte (0x60), the output port (0xD1) if not
 * power-on (its A20 bit writes the latch port 0x92 shares, so this runs before the sysctl's step), a self-test when the status's SYS bit is set but the command byte's is not, the
 * output byte (0xD2/0xD3/0xD4), and finally the A2 bit / pending command by the guest's kind of
 * last write.
 */
import type { DeviceDriver, FaultSpec, ReconstructContext } from '../driver.js';
import type { CaptureContext } from '../driver.js';
import type { HvIo } from '../../hv-io.js';
import { DeviceCaptureBuilder, type CapturedView } from '../../captured.js';
import { BOARD } from '../../../board/layout.js';
import { RANK } from '../ranks.js';
import {
  CCMD_AUX_DISABLE, CCMD_AUX_ENABLE, CCMD_KBD_DISABLE, CCMD_KBD_ENABLE, CCMD_READ_CMD, CCMD_READ_OUTPORT, CCMD_SELF_TEST,
  CCMD_WRITE_AUX, CCMD_WRITE_AUX_OBUF, CCMD_WRITE_CMD, CCMD_WRITE_KBD_OBUF, CCMD_WRITE_OUTPORT, CMD_AUX_DISABLE, CMD_AUX_INT,
  CMD_KBD_DISABLE, CMD_KBD_INT, CMD_SYS, KBD_DEFAULT_TYPEMATIC, KBD_DISABLE, KBD_QUEUE_SIZE, KBD_SCAN_SET, KBD_SET_LEDS,
  KBD_TYPEMATIC, OUT_RESET, POWER_ON_COMMAND_BYTE, POWER_ON_OUTPORT, STATUS_A2, STATUS_AUXB, STATUS_OBF, STATUS_SYS, STATUS_TIMEOUT,
} from '../../../devices/i8042.js';
import { I8042Shadow, I8042_SHADOW_FIELDS, KBC_COMMAND, KBC_DATA } from './shadow.js';

const DEVICE = 'i8042';

export const I8042_A20_LOST: FaultSpec = {
  name: 'i8042-a20-lost',
  side: 'reconstruct',
  device: DEVICE,
  effect: 'the output port is not rebuilt (as QEMU\'s 8042 before it migrated its output port): the destination keeps the power-on 0xCF, A20 gate bit set, where the guest had closed A20 through the 8042 (0xDD or 0xD1); the board\'s latch itself comes back through port 0x92, so the output port (0xD0) is what differs',
};

export const I8042_COMMAND_BYTE_LOST: FaultSpec = {
  name: 'i8042-command-byte-lost',
  side: 'reconstruct',
  device: DEVICE,
  effect: 'the command byte is rebuilt as its power-on value 0x65 (translation, SYS, keyboard IRQ, mouse port off) rather than the one the shadow captured: a guest that turned translation off or the keyboard interrupt on or off gets the BIOS\'s settings back',
};

/** Read every byte the output buffer offers (replies to the hypervisor's own commands). */
function drain(io: HvIo): void {
  for (let i = 0; i <= KBD_QUEUE_SIZE && io.in8(KBC_COMMAND) & STATUS_OBF; i++) io.in8(KBC_DATA);
}

/** Put `byte` back in the output buffer as the kind of byte the status says it was. */
function refill(io: HvIo, byte: number, status: number): void {
  if (status & STATUS_TIMEOUT) {
    io.out8(KBC_COMMAND, CCMD_WRITE_AUX); // no auxiliary device: the time-out puts 0xFE back
    io.out8(KBC_DATA, 0);
  } else {
    io.out8(KBC_COMMAND, status & STATUS_AUXB ? CCMD_WRITE_AUX_OBUF : CCMD_WRITE_KBD_OBUF);
    io.out8(KBC_DATA, byte);
  }
}

/** Leave `byte` as the stale last byte of an empty output buffer (0xD2, then read). */
function restoreStale(io: HvIo, byte: number): void {
  io.out8(KBC_COMMAND, CCMD_WRITE_KBD_OBUF);
  io.out8(KBC_DATA, byte);
  io.in8(KBC_DATA);
}

/**
 * Leave status.A2 (was the last write a command?) and a pending command as the guest left them:
 * re-issue the pending command; or end with a command that changes nothing (0xA7/0xA8 to the
 * aux-disable bit's own value); or with a data byte that changes nothing: the command byte
 * again — unless a self-test left the status's SYS bit set without the command byte's (writing
 * the command byte would clear it), then the output port again (which also writes the A20
 * latch port 0x92 shares: right unless port 0x92 wrote it since).
 */
function settleLastWrite(io: HvIo, status: number, pending: number, commandByte: number, outputPort: number, lastWasData: boolean): void {
  if (pending !== 0) io.out8(KBC_COMMAND, pending);
  else if (status & STATUS_A2) io.out8(KBC_COMMAND, commandByte & CMD_AUX_DISABLE ? CCMD_AUX_DISABLE : CCMD_AUX_ENABLE);
  else if (!lastWasData && ((status & STATUS_SYS) !== 0) === ((commandByte & CMD_SYS) !== 0)) {
    io.out8(KBC_COMMAND, CCMD_WRITE_CMD);
    io.out8(KBC_DATA, commandByte);
  } else if (!lastWasData) {
    io.out8(KBC_COMMAND, CCMD_WRITE_OUTPORT);
    io.out8(KBC_DATA, outputPort | OUT_RESET);
  }
}

function captureI8042(ctx: CaptureContext, shadow: I8042Shadow): DeviceCaptureBuilder {
  const io = ctx.io;
  const b = new DeviceCaptureBuilder(ctx.schema(DEVICE));
  const status = io.in8(KBC_COMMAND);
  b.set('status', status, 'read');
  const known = (f: string) => shadow.known.has(f);
  let commandByte = shadow.commandByte;
  let outputPort = shadow.outputPort;
  const full = (status & STATUS_OBF) !== 0;
  let touched = false;
  const kbdWasEnabled = !known('command_byte') || (commandByte & CMD_KBD_DISABLE) === 0;
  // With the buffer empty a read of 0x60 has no effect: it returns the last byte (stale), which is read too.
  let byte = full ? 0 : io.in8(KBC_DATA);
  if (full) {
    touched = true;
    if (kbdWasEnabled) io.out8(KBC_COMMAND, CCMD_KBD_DISABLE);
    byte = io.in8(KBC_DATA);
  }
  // Late attach: the output buffer is empty now, so the command byte and output port can be read.
  if (!known('command_byte')) {
    touched = true;
    io.out8(KBC_COMMAND, CCMD_READ_CMD);
    commandByte = io.in8(KBC_DATA);
    if (full) {
      commandByte &= ~CMD_KBD_DISABLE; // our own 0xAD
      ctx.notes.push('i8042.command_byte: read after a late attach with a byte pending; its keyboard-disable bit taken as clear');
    }
  }
  if (!known('output_port')) {
    touched = true;
    io.out8(KBC_COMMAND, CCMD_READ_OUTPORT);
    outputPort = io.in8(KBC_DATA) & ~0x30; // bits 4-5 show the output buffer, not the port
  }
  if (full) refill(io, byte, status);
  else if (touched) restoreStale(io, byte);
  if (full && kbdWasEnabled) io.out8(KBC_COMMAND, CCMD_KBD_ENABLE);
  const pending = known('pending_command') ? shadow.pendingCommand : 0;
  if (touched) settleLastWrite(io, status, pending, commandByte, outputPort, full && !kbdWasEnabled);

  b.set('output_buffer', byte, 'read');
  b.set('command_byte', commandByte, known('command_byte') ? 'shadow' : 'read');
  b.set('output_port', outputPort, known('output_port') ? 'shadow' : 'read');
  b.set('xlate_break', 0, 'inferred');
  b.set('kbd_queue', new Array<number>(KBD_QUEUE_SIZE).fill(0), 'inferred');
  b.set('kbd_count', 0, 'inferred');
  if (full) ctx.notes.push('i8042.kbd_queue: internal; bytes the keyboard holds behind a full output buffer cannot be read without taking them: taken as none');
  const fromShadow: Record<string, number> = {
    pending_command: shadow.pendingCommand, kbd_scanning: shadow.scanning, kbd_param_command: shadow.paramCommand,
    kbd_leds: shadow.leds, kbd_scan_set: shadow.scanSet, kbd_typematic: shadow.typematic,
  };
  for (const [f, v] of Object.entries(fromShadow)) {
    if (known(f)) b.set(f, v, 'shadow');
    else b.markUnknown(f);
  }
  return b;
}

function reconstructI8042(ctx: ReconstructContext, t: CapturedView): void {
  const io = ctx.io;
  const status = t.num('status');
  const commandByte = ctx.options.faults.has(I8042_COMMAND_BYTE_LOST.name) ? POWER_ON_COMMAND_BYTE : t.num('command_byte');
  const outputPort = ctx.options.faults.has(I8042_A20_LOST.name) ? POWER_ON_OUTPORT : t.num('output_port', POWER_ON_OUTPORT);
  const send = (...bytes: number[]) => {
    for (const v of bytes) io.out8(KBC_DATA, v);
    drain(io);
  };
  // No keyboard interrupts, translation off, while the keyboard's ACKs come and go.
  io.out8(KBC_COMMAND, CCMD_WRITE_CMD);
  io.out8(KBC_DATA, CMD_SYS);
  drain(io);
  if (t.known('kbd_scanning') && t.num('kbd_scanning') === 0) send(KBD_DISABLE);
  if (t.num('kbd_leds') !== 0) send(KBD_SET_LEDS, t.num('kbd_leds'));
  if (t.known('kbd_scan_set') && t.num('kbd_scan_set') !== 2) send(KBD_SCAN_SET, t.num('kbd_scan_set'));
  if (t.known('kbd_typematic') && t.num('kbd_typematic') !== KBD_DEFAULT_TYPEMATIC) send(KBD_TYPEMATIC, t.num('kbd_typematic'));
  if (t.num('kbd_param_command') !== 0) send(t.num('kbd_param_command'));
  io.out8(KBC_COMMAND, CCMD_WRITE_CMD);
  io.out8(KBC_DATA, commandByte);
  let lastWasData = true;
  if ((status & STATUS_SYS) !== 0 && (commandByte & CMD_SYS) === 0) {
    io.out8(KBC_COMMAND, CCMD_SELF_TEST); // the self-test sets SYS; its 0x55 is read out
    io.in8(KBC_DATA);
    lastWasData = false;
  }
  if (outputPort !== POWER_ON_OUTPORT) {
    io.out8(KBC_COMMAND, CCMD_WRITE_OUTPORT);
    io.out8(KBC_DATA, outputPort | OUT_RESET);
    lastWasData = true;
  }
  if (status & STATUS_OBF) refill(io, t.num('output_buffer'), status);
  else restoreStale(io, t.num('output_buffer'));
  lastWasData = true;
  settleLastWrite(io, status, t.num('pending_command'), commandByte, outputPort, lastWasData);
}

export const i8042Driver: DeviceDriver<I8042Shadow> = {
  devices: [DEVICE],
  ports: [{ base: KBC_DATA, count: 1 }, { base: KBC_COMMAND, count: 1 }],
  mmio: [],
  irqs: [BOARD.i8042.irq, BOARD.i8042.auxIrq],
  faults: [I8042_A20_LOST, I8042_COMMAND_BYTE_LOST],
  captureStage: 'disturbs-line',

  attach({ intercepts, options }) {
    return new I8042Shadow(intercepts, options.attach === 'boot');
  },

  unknownFields(shadow) {
    return shadow.known.unknown().map((f) => `${DEVICE}.${f}`);
  },

  agentReport(shadow, device, field, _channel, value) {
    if (!(I8042_SHADOW_FIELDS as readonly string[]).includes(field)) return null;
    shadow.supply(field as (typeof I8042_SHADOW_FIELDS)[number], value);
    return `${device}.${field}`;
  },

  capture(ctx, shadow) {
    return { builders: [captureI8042(ctx, shadow)] };
  },

  // The chip's OBF pin gated by the command byte's interrupt enables.
  lineLevels(captured) {
    const k = captured(DEVICE);
    if (k === null || !(k.num('status') & STATUS_OBF)) return 0;
    const aux = (k.num('status') & STATUS_AUXB) !== 0;
    const cmd = k.num('command_byte');
    if (aux) return cmd & CMD_AUX_INT ? 1 << BOARD.i8042.auxIrq : 0;
    return cmd & CMD_KBD_INT ? 1 << BOARD.i8042.irq : 0;
  },

  // IRQ1: keyboard interrupts on and a byte in the output buffer (0xD2); reading it drops the line.
  irqLine: {
    irq: BOARD.i8042.irq,
    restoreSafe: false,
    create(io) {
      return {
        raise() {
          io.out8(KBC_COMMAND, CCMD_WRITE_CMD);
          io.out8(KBC_DATA, CMD_SYS | CMD_KBD_INT | CMD_KBD_DISABLE);
          io.out8(KBC_COMMAND, CCMD_WRITE_KBD_OBUF);
          io.out8(KBC_DATA, 0);
        },
        lower() {
          io.in8(KBC_DATA);
        },
      };
    },
  },

  reconstruct: [
    {
      rank: RANK.i8042,
      plan(ctx) {
        const t = ctx.must(DEVICE);
        ctx.timeline.at(ctx.timeline.start, 'i8042: keyboard, command byte, output port, output buffer', () => reconstructI8042(ctx, t));
      },
    },
  ],
};
