/**
 * What a machine boots, and its identity: a boot mode, its input files and a command line.
 *
 * - `disk`: a raw image loaded at 0x7C00 (Machine.loadBootImage; guests/README.md).
 * - `linux`: a bzImage (and an initrd) by the Linux 32-bit boot protocol (boot-linux.ts).
 * - `rom`: a 64 or 128 KiB ROM at the reset vector (boot-rom.ts).
 * - `multiboot`: a Multiboot v1 kernel (boot-multiboot.ts).
 *
 * Everything that travels with a run — the trace's guest-image blob and its sha256, the
 * migration stream's ENVIRONMENT — carries one byte string, the *boot image*: for `disk`, the
 * raw image itself (so traces made before boot modes existed keep their identity); for the
 * other modes a *boot bundle*:
 *
 *     "MIGTRACE-BOOT\n"      14 bytes
 *     le16 major, le16 minor  1.0
 *     le32 n, n bytes         JSON {"mode", "cmdline", "files": [{"role", "length", "sha256"}]}
 *     the files' bytes, in that order
 *
 * Its sha256 (the header's guest_image_sha256) thus covers the mode, every file's bytes and
 * the command line; file names are not part of it (the same kernel under another name is
 * the same boot). The header also states them (RunConfig.boot, trace format 2.1).
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';

export type BootMode = 'disk' | 'linux' | 'rom' | 'multiboot';
export const BOOT_MODES: readonly BootMode[] = ['disk', 'linux', 'rom', 'multiboot'];

export interface BootFile {
  /** disk: "image"; linux: "kernel", "initrd"; rom: "rom"; multiboot: "kernel". */
  readonly role: string;
  /** As the user named it (messages only; not part of the identity). */
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface BootSpec {
  readonly mode: BootMode;
  readonly files: readonly BootFile[];
  /** The kernel command line (linux, multiboot); "" otherwise. */
  readonly cmdline: string;
}

const BUNDLE_MAGIC = 'MIGTRACE-BOOT\n';
const BUNDLE_MAJOR = 1;
const BUNDLE_MINOR = 0;

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The one file of `role`, or undefined. */
export function bootFile(spec: BootSpec, role: string): BootFile | undefined {
  return spec.files.find((f) => f.role === role);
}

export function isBootBundle(image: Uint8Array): boolean {
  return image.length >= BUNDLE_MAGIC.length && Buffer.from(image.buffer, image.byteOffset, BUNDLE_MAGIC.length).toString('latin1') === BUNDLE_MAGIC;
}

/** The boot image of a spec: a disk boot's raw image, else a boot bundle. */
export function encodeBootImage(spec: BootSpec): Uint8Array {
  if (spec.mode === 'disk') {
    const image = bootFile(spec, 'image');
    if (image === undefined || spec.files.length !== 1) throw new Error('a disk boot has exactly one file, its image');
    return image.bytes;
  }
  const json = Buffer.from(
    JSON.stringify({
      mode: spec.mode,
      cmdline: spec.cmdline,
      files: spec.files.map((f) => ({ role: f.role, length: f.bytes.length, sha256: sha256(f.bytes) })),
    }),
    'utf8',
  );
  const head = Buffer.alloc(BUNDLE_MAGIC.length + 8);
  head.write(BUNDLE_MAGIC, 0, 'latin1');
  head.writeUInt16LE(BUNDLE_MAJOR, BUNDLE_MAGIC.length);
  head.writeUInt16LE(BUNDLE_MINOR, BUNDLE_MAGIC.length + 2);
  head.writeUInt32LE(json.length, BUNDLE_MAGIC.length + 4);
  const out = Buffer.concat([head, json, ...spec.files.map((f) => f.bytes)]);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}

/** The spec a boot image describes (a raw image: a disk boot of it). A damaged bundle is one InputError line. */
export function decodeBootImage(image: Uint8Array, what = 'boot image'): BootSpec {
  if (!isBootBundle(image)) return { mode: 'disk', files: [{ role: 'image', name: 'image', bytes: image }], cmdline: '' };
  const buf = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const bad = (why: string) => new InputError('BAD_BOOT_BUNDLE', `${what} is not a usable boot bundle: ${why}`);
  let pos = BUNDLE_MAGIC.length;
  if (buf.length < pos + 8) throw bad('truncated header');
  const major = buf.readUInt16LE(pos);
  const minor = buf.readUInt16LE(pos + 2);
  if (major !== BUNDLE_MAJOR || minor > BUNDLE_MINOR) throw bad(`version ${major}.${minor}; this migtrace reads ${BUNDLE_MAJOR}.${BUNDLE_MINOR}`);
  const n = buf.readUInt32LE(pos + 4);
  pos += 8;
  if (pos + n > buf.length) throw bad('header runs past the end');
  let head: { mode: BootMode; cmdline: string; files: { role: string; length: number; sha256: string }[] };
  try {
    head = JSON.parse(buf.toString('utf8', pos, pos + n)) as typeof head;
  } catch {
    throw bad('header does not parse');
  }
  pos += n;
  if (!BOOT_MODES.includes(head.mode) || head.mode === 'disk' || typeof head.cmdline !== 'string' || !Array.isArray(head.files)) throw bad('header is malformed');
  const files: BootFile[] = [];
  for (const f of head.files) {
    if (typeof f.role !== 'string' || !Number.isSafeInteger(f.length) || f.length < 0 || pos + f.length > buf.length) throw bad(`file ${String(f.role)} runs past the end`);
    const bytes = new Uint8Array(image.buffer, image.byteOffset + pos, f.length);
    if (sha256(bytes) !== f.sha256) throw bad(`file ${f.role} does not hash to its sha256`);
    files.push({ role: f.role, name: f.role, bytes });
    pos += f.length;
  }
  if (pos !== buf.length) throw bad('bytes after the last file');
  return { mode: head.mode, files, cmdline: head.cmdline };
}

/** What the trace header states about a boot (RunConfig.boot): null for a disk boot. */
export interface BootConfigInfo {
  readonly mode: BootMode;
  readonly cmdline: string;
  readonly files: readonly { readonly role: string; readonly name: string; readonly sha256: string; readonly length: number }[];
}

export function bootConfigOf(spec: BootSpec): BootConfigInfo | null {
  if (spec.mode === 'disk') return null;
  return { mode: spec.mode, cmdline: spec.cmdline, files: spec.files.map((f) => ({ role: f.role, name: f.name, sha256: sha256(f.bytes), length: f.bytes.length })) };
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}…`;
}

/** One phrase: "linux: kernel 1a2b3c4d5e6f… (5242880 bytes), initrd …, cmdline \"console=ttyS0\"". */
export function describeBootConfig(boot: BootConfigInfo | null, imageSha256: string): string {
  if (boot === null) return `disk image ${short(imageSha256)}`;
  const files = boot.files.map((f) => `${f.role} ${short(f.sha256)} (${f.length} bytes)`).join(', ');
  return `${boot.mode}: ${files}${boot.mode === 'linux' || boot.mode === 'multiboot' ? `, cmdline ${JSON.stringify(boot.cmdline)}` : ''}`;
}

/** The first thing two boots differ in, as a phrase naming both sides, or null when they are the same boot. */
export function bootDifference(a: BootConfigInfo | null, aImage: string, b: BootConfigInfo | null, bImage: string): string | null {
  if (aImage === bImage) return null;
  const modeA = a?.mode ?? 'disk';
  const modeB = b?.mode ?? 'disk';
  if (modeA !== modeB) return `boot mode ${modeA} vs ${modeB}`;
  if (a === null || b === null) return `disk image ${short(aImage)} vs ${short(bImage)}`;
  const roles = [...new Set([...a.files.map((f) => f.role), ...b.files.map((f) => f.role)])];
  for (const role of roles) {
    const x = a.files.find((f) => f.role === role);
    const y = b.files.find((f) => f.role === role);
    if (x === undefined || y === undefined) return `${role} ${x === undefined ? 'absent' : short(x.sha256)} vs ${y === undefined ? 'absent' : short(y.sha256)}`;
    if (x.sha256 !== y.sha256) return `${role} ${short(x.sha256)} vs ${short(y.sha256)}`;
  }
  if (a.cmdline !== b.cmdline) return `cmdline ${JSON.stringify(a.cmdline)} vs ${JSON.stringify(b.cmdline)}`;
  return `boot image ${short(aImage)} vs ${short(bImage)}`;
}
