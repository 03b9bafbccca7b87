/**
 * `inspect`'s record filters from flag text: kinds, a device by name or id, port and address
 * ranges ("0x3f8-0x3ff", "0x20"), icount bounds. Each problem is one InputError naming the flag.
 */
import { InputError } from '../errors.js';
import { KIND_CLASSES, type RecordKind } from '../trace/format.js';
import type { RecordFilter } from '../trace/reader.js';
import type { DeviceDescriptor } from '../trace/writer.js';
import { parseCount } from '../units.js';

/** Decimal or 0x-prefixed hex. */
function parseAddress(text: string, what: string): number {
  const t = text.trim().replace(/_/g, '');
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^\d+$/.test(t) ? Number(t) : NaN;
  if (!Number.isSafeInteger(n)) throw new InputError('BAD_RANGE', `${what}: "${text}" is not a number (decimal or 0x hex)`);
  return n;
}

/** "A-B" or "A" (inclusive). */
export function parseRange(text: string, what: string): { first: number; last: number } {
  const m = /^\s*([^-\s]+)\s*(?:-\s*([^-\s]+)\s*)?$/.exec(text);
  if (m === null) throw new InputError('BAD_RANGE', `${what}: "${text}" is not a range (examples: 0x3f8-0x3ff, 0x20)`);
  const first = parseAddress(m[1], what);
  const last = m[2] === undefined ? first : parseAddress(m[2], what);
  if (last < first) throw new InputError('BAD_RANGE', `${what}: "${text}" ends before it starts`);
  return { first, last };
}

export function parseKinds(values: readonly string[]): RecordKind[] {
  const kinds = values.flatMap((v) => v.split(',')).map((k) => k.trim()).filter((k) => k !== '');
  for (const k of kinds) {
    if (!(KIND_CLASSES as readonly string[]).includes(k)) {
      throw new InputError('BAD_RECORD_KIND', `--kind: unknown record kind "${k}" (known: ${KIND_CLASSES.join(', ')})`);
    }
  }
  return kinds as RecordKind[];
}

/** A device by its name ("uart", "pic.master") or bus id, among the trace's devices. */
export function resolveDevice(text: string, devices: readonly DeviceDescriptor[]): number {
  const byName = devices.find((d) => d.name === text);
  if (byName !== undefined) return byName.id;
  if (/^\d+$/.test(text)) {
    const id = Number(text);
    if (id === 0 || devices.some((d) => d.id === id)) return id;
  }
  throw new InputError('UNKNOWN_DEVICE', `--device: the trace has no device "${text}" (devices: ${devices.map((d) => d.name).join(', ')})`);
}

export interface FilterFlags {
  kind?: string[];
  device?: string;
  port?: string;
  address?: string;
  from?: string;
  to?: string;
}

export function recordFilter(flags: FilterFlags, devices: readonly DeviceDescriptor[]): RecordFilter {
  const filter: { -readonly [K in keyof RecordFilter]: RecordFilter[K] } = {};
  if (flags.kind !== undefined && flags.kind.length > 0) filter.kinds = parseKinds(flags.kind);
  if (flags.device !== undefined) filter.device = resolveDevice(flags.device, devices);
  if (flags.port !== undefined) filter.portRange = parseRange(flags.port, '--port');
  if (flags.address !== undefined) filter.addressRange = parseRange(flags.address, '--address');
  if (flags.from !== undefined) filter.fromIcount = parseCount(flags.from, '--from');
  if (flags.to !== undefined) filter.toIcount = parseCount(flags.to, '--to');
  if (filter.fromIcount !== undefined && filter.toIcount !== undefined && filter.toIcount < filter.fromIcount) {
    throw new InputError('BAD_RANGE', `--to ${filter.toIcount} is before --from ${filter.fromIcount}`);
  }
  return filter;
}
