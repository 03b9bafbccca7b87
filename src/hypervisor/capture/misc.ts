/**
 * The small devices: the PCI host bridge (CONFIG_ADDRESS is readable at 0xCF8; its own header
 * through configuration space), System Control Port A (0x92, readable), the POST code port
 * (0x80, write-only: shadow), isa-debug-exit (no state).
 */
import type { CaptureContext } from './context.js';
import { DeviceCaptureBuilder } from '../captured.js';
import type { StateSchema } from '../../devices/schema.js';
import { PCI_ADDRESS, pciRead } from '../pci-access.js';

export function capturePciHost(ctx: CaptureContext, schema: StateSchema): DeviceCaptureBuilder {
  const { io } = ctx;
  const b = new DeviceCaptureBuilder(schema);
  b.set('config_address', io.in32(PCI_ADDRESS), 'read');
  const cmd = pciRead(io, 0, 0x04) & 0xffff;
  const c = pciRead(io, 0, 0x0c);
  b.set('pci_command', cmd, 'read');
  b.set('pci_cache_line_size', c & 0xff, 'read');
  b.set('pci_latency_timer', (c >>> 8) & 0xff, 'read');
  b.set('pci_interrupt_line', pciRead(io, 0, 0x3c) & 0xff, 'read');
  return b;
}

export function captureSysctl(ctx: CaptureContext, schema: StateSchema): DeviceCaptureBuilder {
  return new DeviceCaptureBuilder(schema).set('a20', (ctx.io.in8(0x92) >> 1) & 1, 'read');
}

export function capturePost(ctx: CaptureContext, schema: StateSchema): DeviceCaptureBuilder {
  const b = new DeviceCaptureBuilder(schema);
  const post = ctx.shadows.post;
  if (post.known) b.set('code', post.code, 'shadow');
  else b.markUnknown('code');
  return b;
}

export function captureEmpty(schema: StateSchema): DeviceCaptureBuilder {
  return new DeviceCaptureBuilder(schema);
}
