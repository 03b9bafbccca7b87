/**
 * The PC board: which device sits at which port or address, and how interrupt lines are
 * wired. Devices are built here with their host resources (bus, clock, memory, sinks) and
 * mapped onto the one bus.
 *
 * Port map (issue 2 subset; the devices issue fills in the rest):
 *   0x0080        POST code port
 *   0x0092        System Control Port A (fast A20, fast reset)
 *   0x00F4–0x00F7 isa-debug-exit (QEMU-compatible)
 *   0x03F8–0x03FF COM1 16550A UART
 */
import type { Bus, IoHandler } from './bus.js';
import type { Device, DeviceContext } from '../devices/device.js';
import type { FieldValue } from '../devices/schema.js';
import { DebugExit, DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS } from '../devices/debug-exit.js';
import { PostPort, POST_PORT } from '../devices/post-port.js';
import { SystemControlPort, SYSTEM_CONTROL_PORT } from '../devices/system-control.js';
import { Uart16550, COM1_PORT } from '../devices/uart16550.js';

export type AnyDevice = Device<Record<string, FieldValue>>;

export interface BoardHooks {
  /** The guest wrote to isa-debug-exit: stop with this exit status. */
  exit(status: number): void;
  /** The guest asked for a CPU reset (port 0x92 bit 0). */
  resetRequest(): void;
}

export interface Board {
  readonly devices: AnyDevice[];
  readonly uart: Uart16550;
  readonly sysctl: SystemControlPort;
}

function mapPorts(bus: Bus, device: AnyDevice & IoHandler, first: number, count: number): void {
  device.id = bus.registerDevice(device.name);
  bus.mapPorts(device.id, first, count, device);
}

export function buildBoard(ctx: DeviceContext, hooks: BoardHooks): Board {
  const uart = new Uart16550(ctx);
  const sysctl = new SystemControlPort(ctx, () => hooks.resetRequest());
  const post = new PostPort(ctx);
  const debugExit = new DebugExit(ctx, (status) => hooks.exit(status));

  mapPorts(ctx.bus, post, POST_PORT, 1);
  mapPorts(ctx.bus, sysctl, SYSTEM_CONTROL_PORT, 1);
  mapPorts(ctx.bus, debugExit, DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS);
  mapPorts(ctx.bus, uart, COM1_PORT, 8);

  const devices: AnyDevice[] = [post, sysctl, debugExit, uart];
  for (const d of devices) d.reset();
  return { devices, uart, sysctl };
}
