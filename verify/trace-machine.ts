/**
 * A fresh machine identical to the one a trace was recorded on, booted the way the recording
 * booted it: the guest image (the trace's "guest-image" blob, or the built-in guest whose
 * image has the header's sha256), the guest arguments, RAM size, virtual clock rate, RTC
 * start, disk, and the input script (the "input-script" blob: the canonical event encoding
 * whose sha256 is the header's input_script_sha256, docs/input-script.md "Identity").
 *
 * The verifier re-executes the reference from here (determinism: the same machine and inputs
 * give the same run) to learn its state at icounts the trace has no checkpoint for, and
 * builds destination machines to restore a switch-over snapshot into.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../src/errors.js';
import { listGuests } from '../src/guests/catalog.js';
import { BOOT_ADDRESS, Machine } from '../src/machine/machine.js';
import { PAGE_BYTES } from '../src/trace/pages.js';
import { BLOB_GUEST_IMAGE, BLOB_INPUT_SCRIPT } from '../src/trace/format.js';
import type { TraceHeaderInfo, TraceReader } from '../src/trace/reader.js';
import { sha256 } from '../src/trace/writer.js';
import { CopyOnWriteDiskBacking, openDiskImage } from '../src/devices/disk-backing.js';
import { hashInputEvents, type InputEvent, type InputScript } from '../src/devices/input-script.js';
import { DEFAULT_RTC_START } from '../src/devices/rtc-cmos.js';

const CANONICAL_MAGIC = 'migtrace-input-script-v1\n';

/** The canonical encoding of input events (what the "input-script" blob holds; its sha256 is the script hash). */
export function encodeInputEvents(events: readonly InputEvent[]): Uint8Array {
  const parts: Buffer[] = [Buffer.from(CANONICAL_MAGIC, 'latin1')];
  for (const e of events) {
    const head = Buffer.alloc(13);
    head.writeBigUInt64LE(BigInt(e.icount), 0);
    head.writeUInt8(e.target === 'serial' ? 0 : 1, 8);
    head.writeUInt32LE(e.data.length, 9);
    parts.push(head, Buffer.from(e.data));
  }
  return new Uint8Array(Buffer.concat(parts));
}

/** Events from their canonical encoding; null when the bytes are not one. */
export function decodeInputEvents(bytes: Uint8Array): InputEvent[] | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = Buffer.from(CANONICAL_MAGIC, 'latin1');
  if (buf.length < magic.length || !buf.subarray(0, magic.length).equals(magic)) return null;
  const events: InputEvent[] = [];
  let p = magic.length;
  while (p < buf.length) {
    if (p + 13 > buf.length) return null;
    const icount = Number(buf.readBigUInt64LE(p));
    const target = buf.readUInt8(p + 8) === 0 ? 'serial' : 'nic';
    const length = buf.readUInt32LE(p + 9);
    p += 13;
    if (p + length > buf.length) return null;
    events.push({ icount, target, data: new Uint8Array(buf.subarray(p, p + length)) });
    p += length;
  }
  return events;
}

/** Builds identical fresh machines for one trace. */
export interface MachineFactory {
  /** A fresh machine at icount 0, booted as the recording was. */
  build(): Machine;
  /** What the trace calls its guest (for messages). */
  readonly label: string;
  /** RAM pages the boot image occupies: the only non-zero memory of a fresh machine. */
  readonly bootPages: readonly number[];
}

function findGuestImage(header: TraceHeaderInfo): { bytes: Uint8Array; label: string } | null {
  for (const g of listGuests()) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(g.image));
    } catch {
      continue;
    }
    if (sha256(bytes) === header.guestImageSha256) return { bytes, label: g.name };
  }
  return null;
}

/**
 * How to rebuild the machine of trace `reader`. Refuses, one line each, what it cannot
 * rebuild: an unknown guest image, an input script it does not have, a disk file that changed.
 */
export async function machineFactoryFor(reader: TraceReader, what = `trace ${reader.dir}`): Promise<MachineFactory> {
  const h = reader.header;
  const blob = await reader.blob(BLOB_GUEST_IMAGE);
  let image: { bytes: Uint8Array; label: string } | null = null;
  if (blob !== undefined && sha256(blob) === h.guestImageSha256) image = { bytes: blob.slice(), label: h.run?.guestLabel || 'guest' };
  image ??= findGuestImage(h);
  if (image === null) {
    throw new InputError(
      'GUEST_IMAGE_UNKNOWN',
      `${what} cannot be re-run: it carries no guest image and no built-in guest has image sha256 ${h.guestImageSha256.slice(0, 16)}…`,
    );
  }

  let input: InputScript | undefined;
  if (h.inputScriptSha256 !== null) {
    const bytes = await reader.blob(BLOB_INPUT_SCRIPT);
    const events = bytes === undefined ? null : decodeInputEvents(bytes);
    if (events === null || hashInputEvents(events) !== h.inputScriptSha256) {
      throw new InputError('INPUT_SCRIPT_MISSING', `${what} cannot be re-run: its input script (sha256 ${h.inputScriptSha256.slice(0, 16)}…) is not in the trace`);
    }
    input = { source: `${what} (input script)`, events, hash: h.inputScriptSha256 };
  }

  const run = h.run;
  const disk = run?.disk;
  if (disk?.kind === 'file') {
    const data = readFileSync(disk.path);
    if (sha256(data) !== disk.sha256) {
      throw new InputError('DISK_CHANGED', `${what} cannot be re-run: disk image ${disk.path} changed since the recording (sha256 differs)`);
    }
  }
  const args = run === null ? (h.guestArgs === '' ? undefined : h.guestArgs) : run.guestArgsSet ? h.guestArgs : undefined;
  const label = run?.guestLabel || image.label;
  const bytes = image.bytes;
  const firstPage = Math.floor(BOOT_ADDRESS / PAGE_BYTES);
  const lastPage = Math.floor((BOOT_ADDRESS + bytes.length - 1) / PAGE_BYTES);
  return {
    label,
    bootPages: Array.from({ length: lastPage - firstPage + 1 }, (_, i) => firstPage + i),
    build(): Machine {
      return Machine.boot(bytes, {
        memory: h.machine.memoryBytes,
        instructionsPerSecond: h.machine.instructionsPerSecond,
        args,
        rtcStart: run?.rtcStart ?? DEFAULT_RTC_START,
        input,
        disk: disk?.kind === 'file' ? new CopyOnWriteDiskBacking(openDiskImage(disk.path, { readOnly: true })) : undefined,
      });
    },
  };
}
