/**
 * A destination host's own copies of what the source's ENVIRONMENT names (`migrate --incoming
 * --kernel --initrd --disk --slave-disk`), as a QEMU destination is started with its own
 * -kernel, -initrd and -drive. The guest image still comes from the stream (the kernel is in
 * guest memory by then); the destination's copies must be the source's byte for byte, checked
 * by sha256 when ENVIRONMENT arrives — before any page is taken or anything runs — and a
 * mismatch is refused in one line naming both hashes. A disk given here replaces the source's
 * path (shared storage mounted elsewhere on this host); the destination trace records it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { bootFile, decodeBootImage } from '../board/boot-spec.js';

export interface LocalCopies {
  /** The destination's kernel (a linux or multiboot boot's "kernel" file). */
  readonly kernel?: string;
  /** The destination's initrd (a linux boot's "initrd" file). */
  readonly initrd?: string;
  /** The destination's primary disk: used instead of the path the source names. */
  readonly disk?: string;
  /** The destination's slave disk: likewise. */
  readonly slaveDisk?: string;
}

const FLAGS: Record<keyof LocalCopies, string> = { kernel: '--kernel', initrd: '--initrd', disk: '--disk', slaveDisk: '--slave-disk' };

/** Each copy given is a readable regular file: refused now, before listening, if not. */
export function checkLocalCopies(local: LocalCopies): LocalCopies {
  const out: Record<string, string> = {};
  for (const key of Object.keys(FLAGS) as (keyof LocalCopies)[]) {
    const path = local[key];
    if (path === undefined) continue;
    let isFile = false;
    try {
      isFile = statSync(path).isFile();
    } catch {
      throw new InputError('NO_SUCH_FILE', `${FLAGS[key]} ${path}: no such file`);
    }
    if (!isFile) throw new InputError('NOT_A_FILE', `${FLAGS[key]} ${path} is not a file`);
    out[key] = resolve(path);
  }
  return out as LocalCopies;
}

function short(hash: string): string {
  return `${hash.slice(0, 16)}…`;
}

/**
 * The destination's --kernel and --initrd against the files of the source's boot image:
 * the same bytes, or an InputError naming the file, both hashes and both lengths.
 */
export function checkBootCopies(guestImage: Uint8Array, local: LocalCopies): void {
  if (local.kernel === undefined && local.initrd === undefined) return;
  const spec = decodeBootImage(guestImage, "the source's boot image");
  for (const role of ['kernel', 'initrd'] as const) {
    const path = local[role];
    if (path === undefined) continue;
    const theirs = bootFile(spec, role);
    if (theirs === undefined) {
      const what = spec.mode === 'disk' ? 'a disk image' : `a ${spec.mode} boot without an ${role}`;
      throw new InputError('LOCAL_COPY_DIFFERS', `the destination was given ${FLAGS[role]} ${path}, but the source boots ${what}`);
    }
    const bytes = readFileSync(path);
    const mine = createHash('sha256').update(bytes).digest('hex');
    const source = createHash('sha256').update(theirs.bytes).digest('hex');
    if (mine !== source) {
      throw new InputError(
        'LOCAL_COPY_DIFFERS',
        `the destination's ${role} ${path} is not the source's: its sha256 is ${short(mine)} (${bytes.length} bytes), the source's ${short(source)} (${theirs.bytes.length} bytes)`,
      );
    }
  }
}
