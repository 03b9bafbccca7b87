/**
 * The built-in guests: guests/manifest.json names each guest and its committed image
 * (guests/build/NAME.img). `migtrace run NAME` resolves names here; anything else is taken
 * as a path to a raw boot image.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readRegularFile } from '../files.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';

export interface GuestInfo {
  name: string;
  description: string;
  /** Absolute path of the raw boot image. */
  image: string;
  /** isa-debug-exit status the guest ends with when all is well. */
  expectExit: number | null;
  /** Default guest arguments, if any. */
  args?: string;
  /** The argument keys it understands (its C source's known_args; empty: it takes none). */
  argKeys: readonly string[];
}

/** The package root: the nearest directory above this module holding package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'guests'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the migtrace package root');
    dir = up;
  }
}

export function listGuests(): GuestInfo[] {
  const root = packageRoot();
  const manifest = join(root, 'guests', 'manifest.json');
  if (!existsSync(manifest)) return [];
  const entries = JSON.parse(readFileSync(manifest, 'utf8')) as {
    name: string;
    description: string;
    image: string;
    expectExit?: number;
    args?: string;
    argKeys?: string[];
  }[];
  return entries.map((e) => ({
    name: e.name,
    description: e.description,
    image: join(root, 'guests', e.image),
    expectExit: e.expectExit ?? null,
    args: e.args,
    argKeys: e.argKeys ?? [],
  }));
}

export interface ResolvedImage {
  /** The guest name, or the image path as given. */
  label: string;
  path: string;
  bytes: Uint8Array;
  guest: GuestInfo | null;
}

/** A built-in guest name or a path to a raw image → its bytes, or a one-line InputError. */
export function resolveImage(nameOrPath: string): ResolvedImage {
  const guest = listGuests().find((g) => g.name === nameOrPath) ?? null;
  const path = guest !== null ? guest.image : resolve(nameOrPath);
  if (guest === null && !existsSync(path)) {
    const names = listGuests().map((g) => g.name).join(', ');
    const looksLikePath = /[/.]/.test(nameOrPath);
    throw new InputError(
      looksLikePath ? 'NO_SUCH_FILE' : 'UNKNOWN_GUEST',
      looksLikePath
        ? `image file not found: ${nameOrPath}`
        : `unknown guest "${nameOrPath}" (built-in guests: ${names || 'none'}; or give a path to an image)`,
    );
  }
  if (!existsSync(path)) throw new InputError('NO_SUCH_FILE', `image of guest ${nameOrPath} is missing: ${path}`);
  const bytes = readRegularFile(path, 'guest image', { notFound: 'NO_SUCH_FILE', bad: 'NOT_A_FILE' });
  return { label: nameOrPath, path, bytes: new Uint8Array(bytes), guest };
}

/**
 * Refuse guest arguments a built-in guest would not understand, before it runs: "k=v" words
 * with keys from its manifest entry. An image given by path is not checked (we cannot know).
 */
export function checkGuestArgs(guest: GuestInfo | null, args: string | undefined, flag = '--args'): void {
  if (guest === null || args === undefined) return;
  const words = args.split(/\s+/).filter((w) => w.length > 0);
  if (words.length === 0) return;
  if (guest.argKeys.length === 0) throw new InputError('BAD_GUEST_ARGS', `${flag} "${args}": guest ${guest.name} takes no arguments`);
  const takes = guest.argKeys.map((k) => `${k}=`).join(' ');
  for (const w of words) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new InputError('BAD_GUEST_ARGS', `${flag} "${args}": "${w}" is not key=value (guest ${guest.name} takes ${takes})`);
    const key = w.slice(0, eq);
    if (!guest.argKeys.includes(key)) throw new InputError('BAD_GUEST_ARGS', `${flag} "${args}": guest ${guest.name} has no argument "${key}" (it takes ${takes})`);
  }
}
