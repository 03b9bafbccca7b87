/**
 * Which build of a third-party guest golden traces were made from, and whether this
 * machine's build is that one. A build script keys its output by a hash of its inputs (the
 * source package version, our config and scripts, gcc, ld) and writes the key beside it
 * (linux/bzImage.key, linux/initramfs.key, xv6/xv6.key). So:
 *
 * - the files hash as the golden's: the same build — check it;
 * - a file is missing: not built — skip, saying how to build it;
 * - other bytes, other keys: built from other inputs (another toolchain or source version,
 *   or changed scripts) — skip, naming both keys; `migtrace golden update` when it is meant;
 * - other bytes, the same keys: the same inputs gave other bytes — the build is not
 *   reproducible, which golden traces of it cannot survive: a failure.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { guestCacheDir, missingFiles, thirdPartyFiles, type ThirdPartyGuest } from '../guests/third-party.js';

export interface BuildIdentity {
  /** Each boot file (catalog field, e.g. "kernel"): sha256 and size. */
  readonly files: Readonly<Record<string, { readonly sha256: string; readonly bytes: number }>>;
  /** The build keys beside them (path relative to the cache dir → key). */
  readonly keys: Readonly<Record<string, string>>;
}

export type BuildCheck =
  | { readonly kind: 'same' }
  | { readonly kind: 'not-built' | 'other-inputs'; readonly reason: string }
  | { readonly kind: 'not-reproducible'; readonly reason: string };

function sha256File(file: string): { sha256: string; bytes: number } {
  const data = fs.readFileSync(file);
  return { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}

/** The build of `g` in the cache dir now (its files must be there). */
export function buildIdentity(g: ThirdPartyGuest, cache = guestCacheDir()): BuildIdentity {
  const files: Record<string, { sha256: string; bytes: number }> = {};
  const dirs = new Set<string>();
  for (const f of thirdPartyFiles(g, cache)) {
    files[f.field] = sha256File(f.path);
    dirs.add(path.dirname(f.path));
  }
  const keys: Record<string, string> = {};
  for (const dir of [...dirs].sort()) {
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.key')).sort()) {
      keys[path.relative(cache, path.join(dir, name))] = fs.readFileSync(path.join(dir, name), 'utf8').trim();
    }
  }
  return { files, keys };
}

function short(h: string): string {
  return `${h.slice(0, 12)}…`;
}

/** This machine's build of `g` against the one its golden traces were made from. */
export function checkBuild(g: ThirdPartyGuest, golden: BuildIdentity, buildCommand: string, cache = guestCacheDir()): BuildCheck {
  const missing = missingFiles(g, cache);
  if (missing.length > 0) return { kind: 'not-built', reason: `${g.name} is not built (${missing[0]} is missing): build it with ${buildCommand}` };
  const now = buildIdentity(g, cache);
  const differs = Object.keys({ ...golden.files, ...now.files }).filter((f) => golden.files[f]?.sha256 !== now.files[f]?.sha256);
  if (differs.length === 0) return { kind: 'same' };
  const f = differs[0];
  const files = `${f} ${now.files[f] === undefined ? 'absent' : short(now.files[f].sha256)} here, ${golden.files[f] === undefined ? 'absent' : short(golden.files[f].sha256)} in the golden traces`;
  const keyNames = Object.keys({ ...golden.keys, ...now.keys }).sort();
  const otherKeys = keyNames.filter((k) => golden.keys[k] !== now.keys[k]);
  if (otherKeys.length === 0 && keyNames.length > 0) {
    return {
      kind: 'not-reproducible',
      reason: `${g.name} built from the same inputs (${keyNames.map((k) => `${k} ${now.keys[k]}`).join(', ')}) as the golden traces' build, but to other bytes (${files}): the build is not reproducible`,
    };
  }
  const keys = otherKeys.map((k) => `${k} ${now.keys[k] ?? 'absent'} here, ${golden.keys[k] ?? 'absent'} in the golden traces`).join('; ');
  return {
    kind: 'other-inputs',
    reason: `${g.name} here is another build than the golden traces' (${files}), from other inputs (${keys || 'no build keys'}: another source package, gcc or ld, or changed build scripts); rebuild with the golden's inputs, or regenerate with \`migtrace golden update --only ${g.name}\` when the change is meant`,
  };
}
