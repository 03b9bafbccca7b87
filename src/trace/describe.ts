/**
 * Records as text and as JSON: one line per record for `inspect` and for replay's mismatch
 * report, and a JSON-able form (bytes as hex) for `--json`.
 */
import { DIR_WRITE, ORIGIN_HYPERVISOR } from '../machine/bus.js';
import type { TraceRecord } from './records.js';

/** Device id → name, from the header's device list (0 is "unmapped"). */
export type DeviceNames = ReadonlyMap<number, string>;

export function deviceNames(devices: readonly { readonly id: number; readonly name: string }[]): DeviceNames {
  return new Map([[0, 'unmapped'], ...devices.map((d) => [d.id, d.name] as [number, string])]);
}

function hexNum(n: number, digits = 0): string {
  return '0x' + n.toString(16).padStart(digits, '0');
}

function name(names: DeviceNames, id: number): string {
  return names.get(id) ?? `device ${id}`;
}

/** At most `max` bytes as hex, then how many more. */
function bytesPreview(data: Uint8Array, max = 16): string {
  const shown = Buffer.from(data.subarray(0, max)).toString('hex').replace(/(..)(?!$)/g, '$1 ');
  return data.length > max ? `${shown} … (${data.length} bytes)` : shown;
}

/** What happened, without seq and icount: "pio write 0x3f8 size 1 = 0x41 (uart)". */
export function describeRecordBody(r: TraceRecord, names: DeviceNames): string {
  switch (r.kind) {
    case 'pio':
    case 'mmio': {
      const origin = r.origin === ORIGIN_HYPERVISOR ? ' [hypervisor]' : '';
      const addr = r.kind === 'pio' ? hexNum(r.addr, 2) : hexNum(r.addr, 8);
      return `${r.kind} ${r.dir === DIR_WRITE ? 'write' : 'read '} ${addr} size ${r.size} = ${hexNum(r.value)} (${name(names, r.device)})${origin}`;
    }
    case 'dma':
      return `dma ${r.dir === DIR_WRITE ? 'to memory' : 'from memory'} ${hexNum(r.addr, 8)} length ${r.length} hash ${r.hash} (${name(names, r.device)})`;
    case 'transition': {
      const field = r.fieldName === '' ? `field ${r.field}` : r.fieldName;
      const element = r.index >= 0 ? `[${r.index}]` : '';
      return `transition ${name(names, r.device)}.${field}${element} ${hexNum(r.oldValue)} -> ${hexNum(r.newValue)}`;
    }
    case 'interrupt':
      return r.action === 'raise' || r.action === 'lower' ? `interrupt ${r.action} IRQ ${r.value}` : `interrupt ${r.action} vector ${hexNum(r.value, 2)}`;
    case 'input':
    case 'output': {
      const text = r.channel === 'serial' ? ` ${JSON.stringify(Buffer.from(r.data.subarray(0, 32)).toString('latin1'))}` : '';
      return `${r.kind} ${r.channel} (${name(names, r.device)}) ${bytesPreview(r.data)}${text}`;
    }
    case 'hypervisor':
      return `hypervisor ${r.action} (${name(names, r.device)})${r.detail === '' ? '' : ': ' + r.detail}`;
    case 'migration':
      return `migration ${r.phase} round ${r.round} pages ${r.pages} bytes ${r.bytes}${r.detail === '' ? '' : ': ' + r.detail}`;
    case 'checkpoint':
      return `checkpoint #${r.ordinal}`;
  }
}

/** "seq 12 icount 3456: pio write 0x3f8 …" */
export function describeRecord(r: TraceRecord, names: DeviceNames): string {
  return `seq ${r.seq} icount ${r.icount}: ${describeRecordBody(r, names)}`;
}

/** A JSON-able record: data as hex, the device's name beside its id. */
export function recordJson(r: TraceRecord, names: DeviceNames): Record<string, unknown> {
  const out: Record<string, unknown> = { ...r };
  if ('data' in r) out.data = Buffer.from(r.data).toString('hex');
  if ('device' in r) out.deviceName = name(names, r.device);
  return out;
}
