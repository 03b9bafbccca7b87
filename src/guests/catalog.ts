/**
 * The built-in guests: guests/manifest.json names each guest and its committed image
 * (guests/build/NAME.img); third-party guests, built by scripts into the guest cache, come
 * from guests/third-party.json (third-party.ts). `migtrace run NAME` resolves names here;
 * anything else is taken as a path to a raw boot image. `--kernel`, `--rom` and
 * `--multiboot` name the files of the other boot modes (resolveBoot).
 */
import { existsSync, readFileSync } from 'node:fs';
import { readRegularFile } from '../files.js';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { encodeBootImage, type BootFile, type BootMode, type BootSpec } from '../board/boot-spec.js';
import { checkRomSize } from '../board/boot-rom.js';
import { parseLinuxKernel } from '../board/boot-linux.js';
import { findMultibootHeader } from '../board/boot-multiboot.js';
import { guestCacheDir, loadThirdPartyGuests, missingFiles, thirdPartyFiles, type ThirdPartyGuest } from './third-party.js';

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
  /** The main file (the disk image, the kernel, the ROM). */
  path: string;
  /** The boot image (src/board/boot-spec.ts): a raw disk image, or a boot bundle for the other modes. */
  bytes: Uint8Array;
  guest: GuestInfo | null;
  /** Set when the name is a third-party guest's. */
  thirdParty?: ThirdPartyGuest;
  mode: BootMode;
  /** A catalog disk guest's primary slave (absolute path). */
  slavePath?: string;
  /** The boot with its files' names (modes other than disk), for checking it before a machine runs. */
  spec?: BootSpec;
}

export function listThirdPartyGuests(): ThirdPartyGuest[] {
  return loadThirdPartyGuests(packageRoot());
}

const NOT_FOUND = { notFound: 'NO_SUCH_FILE', bad: 'NOT_A_FILE' } as const;

function readBootFile(role: string, path: string, what: string): BootFile {
  const bytes = readRegularFile(path, what, NOT_FOUND);
  const file = { role, name: path, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length) };
  return file;
}

/** Check a boot's files as its loader will, now, with their names (a bad file is an error before any machine). */
function checkBootFiles(spec: BootSpec): void {
  const main = spec.files[0];
  if (spec.mode === 'rom') checkRomSize(main.bytes, main.name);
  else if (spec.mode === 'linux') parseLinuxKernel(main.bytes, main.name);
  else if (spec.mode === 'multiboot') findMultibootHeader(main.bytes, main.name);
}

function encodeChecked(spec: BootSpec): Uint8Array {
  checkBootFiles(spec);
  return encodeBootImage(spec);
}

/** A third-party guest's boot, from the cache dir; a guest not built yet is one line naming its build script. */
function resolveThirdParty(g: ThirdPartyGuest): ResolvedImage {
  const missing = missingFiles(g);
  if (missing.length > 0) {
    throw new InputError(
      'GUEST_NOT_BUILT',
      `guest ${g.name} is not built (${missing[0]} is missing): build it with ${g.build} (it builds into $MIGTRACE_GUESTS, now ${guestCacheDir()})`,
    );
  }
  const files = Object.fromEntries(thirdPartyFiles(g).map((f) => [f.field, f.path]));
  const main = files.master ?? files.kernel ?? files.rom;
  const base = { label: g.name, path: main, guest: null, thirdParty: g, mode: g.boot.mode };
  if (g.boot.mode === 'disk') {
    return { ...base, bytes: readBootFile('image', files.master, `guest ${g.name}'s disk image`).bytes, slavePath: files.slave };
  }
  const spec: BootSpec =
    g.boot.mode === 'rom'
      ? { mode: 'rom', files: [readBootFile('rom', files.rom, `guest ${g.name}'s ROM`)], cmdline: '' }
      : {
          mode: g.boot.mode,
          files: [
            readBootFile('kernel', files.kernel, `guest ${g.name}'s kernel`),
            ...(files.initrd === undefined ? [] : [readBootFile('initrd', files.initrd, `guest ${g.name}'s initrd`)]),
          ],
          cmdline: g.boot.cmdline ?? '',
        };
  return { ...base, bytes: encodeChecked(spec), spec };
}

/** Files named on the command line for a boot mode other than a disk image's. */
export interface BootFlags {
  readonly kernel?: string;
  readonly initrd?: string;
  readonly append?: string;
  readonly rom?: string;
  readonly multiboot?: string;
}

/**
 * What to boot: a guest name or image path, or exactly one of --kernel (linux), --rom,
 * --multiboot. `--append` replaces a catalog guest's command line. One InputError line for
 * any combination that does not make sense.
 */
export function resolveBoot(nameOrPath: string | undefined, flags: BootFlags): ResolvedImage {
  const given = [nameOrPath !== undefined ? 'a guest' : null, flags.kernel !== undefined ? '--kernel' : null, flags.rom !== undefined ? '--rom' : null, flags.multiboot !== undefined ? '--multiboot' : null].filter((x) => x !== null);
  if (given.length === 0) throw new InputError('NO_GUEST', 'nothing to boot: give a guest name or image path, or one of --kernel, --rom, --multiboot');
  if (given.length > 1) throw new InputError('TWO_GUESTS', `give one thing to boot, not ${given.join(' and ')}`);
  if (flags.initrd !== undefined && flags.kernel === undefined && !(nameOrPath !== undefined && resolveThirdPartyName(nameOrPath)?.boot.mode === 'linux')) {
    throw new InputError('BAD_FLAGS', '--initrd goes with --kernel (a linux boot)');
  }
  if (flags.kernel !== undefined || flags.multiboot !== undefined) {
    const mode = flags.kernel !== undefined ? 'linux' : 'multiboot';
    const path = resolve((flags.kernel ?? flags.multiboot)!);
    const files = [readBootFile('kernel', path, 'kernel')];
    if (flags.initrd !== undefined) files.push(readBootFile('initrd', resolve(flags.initrd), 'initrd'));
    const spec: BootSpec = { mode, files, cmdline: flags.append ?? '' };
    return { label: (flags.kernel ?? flags.multiboot)!, path, bytes: encodeChecked(spec), guest: null, mode, spec };
  }
  if (flags.rom !== undefined) {
    const path = resolve(flags.rom);
    if (flags.append !== undefined) throw new InputError('BAD_FLAGS', '--append is a kernel command line: it goes with --kernel or --multiboot, not --rom');
    const spec: BootSpec = { mode: 'rom', files: [readBootFile('rom', path, 'ROM')], cmdline: '' };
    return { label: flags.rom, path, bytes: encodeChecked(spec), guest: null, mode: 'rom', spec };
  }
  const third = resolveThirdPartyName(nameOrPath!);
  if (third !== undefined) {
    const hasCmdline = third.boot.mode === 'linux' || third.boot.mode === 'multiboot';
    if (flags.append !== undefined && !hasCmdline) throw new InputError('BAD_FLAGS', `--append: guest ${third.name} boots in ${third.boot.mode} mode, which takes no kernel command line`);
    const g: ThirdPartyGuest = {
      ...third,
      boot: { ...third.boot, ...(flags.append !== undefined ? { cmdline: flags.append } : {}), ...(flags.initrd !== undefined ? { initrd: resolve(flags.initrd) } : {}) },
    };
    return resolveThirdParty(g);
  }
  if (flags.append !== undefined) throw new InputError('BAD_FLAGS', '--append is a kernel command line: it goes with --kernel or --multiboot (a disk image takes --args)');
  return resolveImage(nameOrPath!);
}

function resolveThirdPartyName(name: string): ThirdPartyGuest | undefined {
  return listThirdPartyGuests().find((g) => g.name === name);
}

/** A built-in guest name or a path to a raw image → its bytes, or a one-line InputError. */
export function resolveImage(nameOrPath: string): ResolvedImage {
  const guest = listGuests().find((g) => g.name === nameOrPath) ?? null;
  const path = guest !== null ? guest.image : resolve(nameOrPath);
  if (guest === null && !existsSync(path)) {
    const names = [...listGuests(), ...listThirdPartyGuests()].map((g) => g.name).join(', ');
    const looksLikePath = /[/.]/.test(nameOrPath);
    throw new InputError(
      looksLikePath ? 'NO_SUCH_FILE' : 'UNKNOWN_GUEST',
      looksLikePath
        ? `image file not found: ${nameOrPath}`
        : `unknown guest "${nameOrPath}" (guests: ${names || 'none'}; see \`migtrace guests\`; or give a path to an image)`,
    );
  }
  if (!existsSync(path)) throw new InputError('NO_SUCH_FILE', `image of guest ${nameOrPath} is missing: ${path}`);
  const bytes = readRegularFile(path, 'guest image', { notFound: 'NO_SUCH_FILE', bad: 'NOT_A_FILE' });
  return { label: nameOrPath, path, bytes: new Uint8Array(bytes), guest, mode: 'disk' };
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
