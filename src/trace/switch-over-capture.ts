/**
 * What the source captured and sent at a migration's switch-over, as data: a destination
 * trace carries it (blob SWITCH_OVER_CAPTURE_BLOB) beside its machine snapshot, so the
 * verifier can say not only that a field differs but what the migration knew about it —
 * "not captured: the hypervisor attached late without an agent", "captured by shadow as 0".
 *
 * This is a record, not hypervisor code: the verifier reads it without importing the
 * migration engine or the hypervisor (DESIGN.md, Layout). docs/trace-format.md describes it.
 *
 * Contents (JSON):
 * - icount, strategy, the injected faults;
 * - attach: how the source's hypervisor came to the guest — at power-on ("boot") or late at
 *   an icount, with or without a guest agent (docs/guest-agent.md);
 * - notes: what the source said about the state it sent (fields it could not capture, its
 *   capture notes, what injected faults did);
 * - cpu: the CPU section as the destination loaded it (CpuState: registers, hidden segment
 *   caches, interrupt shadow, halted);
 * - devices: per device, every captured field's value (schema names and encodings) and its
 *   provenance — read (a register), shadow (a trapped guest write), inferred (timing, probing),
 *   agent (the guest agent), constant — and the fields it could not learn (`unknown`);
 * - rounds: the pre-copy rounds (number, the source's icounts while it ran);
 * - pageRounds (binary, after the JSON): pre-copy only, one byte per RAM page: the last batch
 *   that brought it to the destination — 0 none, 1–253 that round, 254 the stop-and-copy.
 *
 * Layout (as the machine snapshot: magic, version, body, checksum; a reader refuses a
 * different major or a newer minor, naming both):
 *
 *     "MIGTRACE-CAPTURE"              16 bytes
 *     le16 major, le16 minor
 *     le32 n, n bytes of JSON
 *     le32 m, m bytes                 raw deflate of pageRounds (m = 0: none)
 *     sha256 of every byte before it  32 bytes
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CpuState } from '../machine/cpu/cpu.js';
import { badBlob, openSealedBlob, sealBlob, type SealedFormat } from './sealed-blob.js';

export const SWITCH_OVER_CAPTURE_MAGIC = 'MIGTRACE-CAPTURE';
export const SWITCH_OVER_CAPTURE_MAJOR = 1;
export const SWITCH_OVER_CAPTURE_MINOR = 0;
/** The blob name under which a destination trace carries what the source captured. */
export const SWITCH_OVER_CAPTURE_BLOB = 'capture@switch-over';

/** pageRounds: the page came in the stop-and-copy. */
export const PAGE_ROUND_STOP_AND_COPY = 254;

const FORMAT: SealedFormat = {
  magic: SWITCH_OVER_CAPTURE_MAGIC,
  major: SWITCH_OVER_CAPTURE_MAJOR,
  minor: SWITCH_OVER_CAPTURE_MINOR,
  noun: 'switch-over capture record',
  versionNoun: 'capture record format',
  badCode: 'BAD_SWITCH_OVER_CAPTURE',
  versionCode: 'SWITCH_OVER_CAPTURE_VERSION_UNSUPPORTED',
};

/** How the source's hypervisor learned a field's value. */
export type FieldProvenance = 'read' | 'shadow' | 'inferred' | 'agent' | 'constant';

export interface CapturedDeviceRecord {
  readonly device: string;
  readonly schemaVersion: number;
  /** Captured values by schema field name; fields in `unknown` are absent. */
  readonly fields: Readonly<Record<string, number | readonly number[]>>;
  readonly provenance: Readonly<Record<string, FieldProvenance>>;
  /** Fields the source could not learn (write-only state written before a late attach, with no agent report). */
  readonly unknown: readonly string[];
}

export interface HypervisorAttachRecord {
  readonly mode: 'boot' | 'late';
  readonly icount: number;
  readonly agent: boolean;
}

export interface SwitchOverCapture {
  readonly icount: number;
  readonly strategy: 'precopy' | 'postcopy';
  readonly faults: readonly string[];
  readonly attach: HypervisorAttachRecord;
  readonly notes: readonly string[];
  readonly cpu: CpuState;
  readonly devices: readonly CapturedDeviceRecord[];
  readonly rounds: readonly { readonly round: number; readonly startIcount: number; readonly endIcount: number }[];
  readonly pageRounds: Uint8Array | null;
}

type CaptureJson = Omit<SwitchOverCapture, 'pageRounds'> & { readonly ramPages: number | null };

export function encodeSwitchOverCapture(c: SwitchOverCapture): Uint8Array {
  const json: CaptureJson = {
    icount: c.icount,
    strategy: c.strategy,
    faults: c.faults,
    attach: c.attach,
    notes: c.notes,
    cpu: c.cpu,
    devices: c.devices,
    rounds: c.rounds,
    ramPages: c.pageRounds === null ? null : c.pageRounds.length,
  };
  const body = c.pageRounds === null ? Buffer.alloc(0) : deflateRawSync(c.pageRounds, { level: 6 });
  return sealBlob(FORMAT, json, body);
}

/** Parse and check a record. `what` names it in errors ("the capture record in trace d"). */
export function decodeSwitchOverCapture(bytes: Uint8Array, what = 'switch-over capture record'): SwitchOverCapture {
  const opened = openSealedBlob(FORMAT, bytes, what, 'capture record');
  const json = opened.json as CaptureJson;
  let pageRounds: Uint8Array | null = null;
  if (json.ramPages !== null) {
    const raw = inflateRawSync(opened.body);
    if (raw.length !== json.ramPages) throw badBlob(FORMAT, what, `page rounds cover ${raw.length} pages, the header says ${json.ramPages}`);
    pageRounds = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  }
  const { ramPages: _ramPages, ...rest } = json;
  void _ramPages;
  return { ...rest, pageRounds };
}

/** A captured field (element) as the record has it: its value and provenance, or that it was unknown; null when the record does not name the device. */
export function capturedField(
  c: SwitchOverCapture,
  device: string,
  field: string,
  index?: number,
): { readonly unknown: true } | { readonly unknown: false; readonly value: number | null; readonly provenance: FieldProvenance | null } | null {
  const d = c.devices.find((x) => x.device === device);
  if (d === undefined) return null;
  if (d.unknown.includes(field)) return { unknown: true };
  const v = d.fields[field];
  const value = v === undefined ? null : typeof v === 'number' ? v : index !== undefined ? (v[index] ?? null) : null;
  return { unknown: false, value, provenance: d.provenance[field] ?? null };
}
