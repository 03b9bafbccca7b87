/**
 * Records as text and as JSON: one line per record for `inspect`, replay's mismatch report,
 * the verifier's and the post-mortem's views and golden diffs, and a JSON-able form (bytes as
 * hex) for `--json`.
 */
import { DIR_WRITE, ORIGIN_HYPERVISOR } from '../machine/bus.js';
import type { TraceRecord } from './records.js';
import { hex, hexBytes } from '../hex.js';

/** Device id → name, from the header's device list (0 is "unmapped"). */
export type DeviceNames = ReadonlyMap<number, string>;

export function deviceNames(devices: readonly { readonly id: number; readonly name: string }[]): DeviceNames {
  return new Map([[0, 'unmapped'], ...devices.map((d) => [d.id, d.name] as [number, string])]);
}

/** Device names as a map (the header's list) or a lookup function. */
export type DeviceNaming = DeviceNames | ((id: number) => string);

function name(names: DeviceNaming | undefined, id: number): string {
  if (typeof names === 'function') return names(id);
  return names?.get(id) ?? `device ${id}`;
}

/** A serial string while it is short and printable, else its first bytes as hex and the length. */
function dataPreview(data: Uint8Array, max: number): string {
  const printable = data.every((b) => b >= 0x20 && b < 0x7f);
  if (printable && data.length <= 32) return JSON.stringify(Buffer.from(data).toString('latin1'));
  const head = hexBytes(data.subarray(0, max)).replace(/(..)(?!$)/g, '$1 ');
  return data.length > max ? `${head} … (${data.length} bytes)` : head;
}

/** A field value: hex, except a disarmed timer's -1. */
function value(v: number): string {
  return v < 0 ? String(v) : hex(v);
}

/**
 * What happened, without seq and icount — the one way a record is written as text (inspect,
 * replay, verify, diff, golden): "pio write port 0x21 = 0x03 (pic.master)". `brief` drops what
 * a side-by-side view has no room for (DMA hashes past 8 digits, migration byte counts).
 */
export function describeRecordBody(r: TraceRecord, names?: DeviceNaming, brief = false): string {
  const dev = (id: number): string => name(names, id);
  switch (r.kind) {
    case 'pio':
    case 'mmio': {
      const where = r.kind === 'pio' ? `port ${hex(r.addr, 2)}` : `address ${hex(r.addr, 8)}`;
      const origin = r.origin === ORIGIN_HYPERVISOR ? ' [hypervisor]' : '';
      return `${r.kind} ${r.dir === DIR_WRITE ? 'write' : 'read'} ${where} = ${hex(r.value, r.size * 2)} (${dev(r.device)})${origin}`;
    }
    case 'dma': {
      const hash = brief ? r.hash.slice(0, 8) : r.hash;
      return `dma ${r.dir === DIR_WRITE ? 'write' : 'read'} ${r.length} bytes at ${hex(r.addr, 8)} (${dev(r.device)}) sha ${hash}`;
    }
    case 'transition': {
      const field = r.fieldName === '' ? `field ${r.field}` : r.fieldName;
      const element = r.index >= 0 ? `[${r.index}]` : '';
      return `transition ${dev(r.device)}.${field}${element} ${value(r.oldValue)} → ${value(r.newValue)}`;
    }
    case 'interrupt':
      return r.action === 'raise' || r.action === 'lower' ? `interrupt ${r.action} IRQ${r.value}` : `interrupt ${r.action} vector ${hex(r.value, 2)}`;
    case 'input':
    case 'output':
      return `${r.kind} ${r.channel} ${dataPreview(r.data, brief ? 16 : 32)} (${dev(r.device)})`;
    case 'hypervisor':
      return `hypervisor ${r.action} (${dev(r.device)})${r.detail === '' ? '' : `: ${r.detail}`}`;
    case 'migration': {
      const figures = brief ? '' : ` round ${r.round} pages ${r.pages} bytes ${r.bytes}`;
      return `migration ${r.phase}${figures}${r.detail === '' ? '' : `: ${r.detail}`}`;
    }
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
  if ('data' in r) out.data = hexBytes(r.data);
  if ('device' in r) out.deviceName = name(names, r.device);
  return out;
}
