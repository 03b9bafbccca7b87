/**
 * Third-party guests: programs we do not ship, built on this machine by a script into the
 * guest build cache ($MIGTRACE_GUESTS, default ~/.cache/migtrace/guests; never the checkout).
 * guests/third-party.json lists them (format: guests/README.md, "Third-party guests"):
 *
 *     {"name": "test386", "description": "...", "build": "scripts/guests/build-test386.sh",
 *      "boot": {"mode": "rom", "rom": "test386/test386.bin"}, "expect": {"post": 255}}
 *
 * `boot` by mode (paths relative to the cache dir):
 *   disk:      master (raw image, loaded at 0x7C00 and the primary master), slave (optional)
 *   linux:     kernel (bzImage), initrd (optional), cmdline (optional)
 *   rom:       rom (64 or 128 KiB)
 *   multiboot: kernel (ELF or a.out-kludge), cmdline (optional)
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import { BOOT_MODES, type BootMode } from '../board/boot-spec.js';

export interface ThirdPartyBoot {
  readonly mode: BootMode;
  /** disk */
  readonly master?: string;
  readonly slave?: string;
  /** linux, multiboot */
  readonly kernel?: string;
  readonly initrd?: string;
  readonly cmdline?: string;
  /** rom */
  readonly rom?: string;
}

/** What a good run of the guest ends with (tests and `migtrace guests` show it). */
export interface ThirdPartyExpect {
  /** The last POST code (port 0x80) of a good run. */
  readonly post?: number;
  /** The run's status ("halted", "exited", …). */
  readonly status?: string;
  /** isa-debug-exit status of a good run. */
  readonly exit?: number;
  /** Text the serial output contains when all is well. */
  readonly serial?: string;
}

/** The machine a guest wants (what `--memory` would say, and the virtual clock rate). */
export interface ThirdPartyMachine {
  /** RAM, as `--memory` takes it ("256MiB"); `--memory` overrides it. */
  readonly memory?: string;
  /**
   * Virtual instructions per second (default 100 M; recorded in the trace header). A guest
   * that prints megabytes on COM1 at 115200 baud (test386: 3.5 MB) waits 8,680 instructions a
   * character at 100 M; at 1 M, 87.
   */
  readonly instructionsPerSecond?: number;
}

export interface ThirdPartyGuest {
  readonly name: string;
  readonly description: string;
  /** The build script, relative to the package root; it takes the cache dir as $MIGTRACE_GUESTS. */
  readonly build: string;
  readonly boot: ThirdPartyBoot;
  readonly expect?: ThirdPartyExpect;
  readonly machine?: ThirdPartyMachine;
  /** The license of what the script fetches or copies (the project ships none of it). */
  readonly license?: string;
}

/** The guest build cache: $MIGTRACE_GUESTS, else ~/.cache/migtrace/guests. */
export function guestCacheDir(): string {
  const env = process.env.MIGTRACE_GUESTS;
  return resolve(env !== undefined && env !== '' ? env : join(homedir(), '.cache', 'migtrace', 'guests'));
}

const FILE_FIELDS: Record<BootMode, { required: readonly string[]; optional: readonly string[] }> = {
  disk: { required: ['master'], optional: ['slave'] },
  linux: { required: ['kernel'], optional: ['initrd'] },
  rom: { required: ['rom'], optional: [] },
  multiboot: { required: ['kernel'], optional: [] },
};

/** The guest's files: field name → absolute path in the cache dir. */
export function thirdPartyFiles(g: ThirdPartyGuest, cache = guestCacheDir()): { field: string; path: string }[] {
  const f = FILE_FIELDS[g.boot.mode];
  const boot = g.boot as unknown as Record<string, string | undefined>;
  return [...f.required, ...f.optional].filter((k) => boot[k] !== undefined).map((k) => ({ field: k, path: resolve(cache, boot[k]!) }));
}

/** The files a build should have made that are not there (empty: built). */
export function missingFiles(g: ThirdPartyGuest, cache = guestCacheDir()): string[] {
  return thirdPartyFiles(g, cache).filter((f) => !existsSync(f.path)).map((f) => f.path);
}

/** Check one catalog entry's shape; `where` names it in messages. */
function checkEntry(e: unknown, where: string): ThirdPartyGuest {
  const bad = (why: string) => new InputError('BAD_GUEST_CATALOG', `${where}: ${why}`);
  if (typeof e !== 'object' || e === null) throw bad('not an object');
  const g = e as Record<string, unknown>;
  for (const k of ['name', 'description', 'build']) if (typeof g[k] !== 'string' || g[k] === '') throw bad(`"${k}" must be a non-empty string`);
  const boot = g.boot as Record<string, unknown> | undefined;
  if (typeof boot !== 'object' || boot === null) throw bad('"boot" must be an object');
  const mode = boot.mode as BootMode;
  if (!BOOT_MODES.includes(mode)) throw bad(`boot mode ${JSON.stringify(boot.mode)} is not one of ${BOOT_MODES.join(', ')}`);
  const f = FILE_FIELDS[mode];
  const allowed = new Set(['mode', 'cmdline', ...f.required, ...f.optional]);
  for (const k of Object.keys(boot)) if (!allowed.has(k)) throw bad(`a ${mode} boot has no field "${k}" (it takes ${[...allowed].join(', ')})`);
  for (const k of f.required) if (typeof boot[k] !== 'string') throw bad(`a ${mode} boot needs "${k}"`);
  for (const k of [...f.required, ...f.optional]) {
    if (boot[k] !== undefined && (typeof boot[k] !== 'string' || (boot[k] as string).startsWith('/') || (boot[k] as string).split('/').includes('..'))) {
      throw bad(`"${k}" must be a path inside the guest cache dir`);
    }
  }
  if (boot.cmdline !== undefined && (typeof boot.cmdline !== 'string' || (mode !== 'linux' && mode !== 'multiboot'))) throw bad('"cmdline" is a string, for linux and multiboot boots');
  const machine = g.machine as Record<string, unknown> | undefined;
  if (machine !== undefined) {
    if (typeof machine !== 'object' || machine === null) throw bad('"machine" must be an object');
    for (const k of Object.keys(machine)) if (k !== 'memory' && k !== 'instructionsPerSecond') throw bad(`"machine" has no field "${k}" (it takes memory, instructionsPerSecond)`);
    if (machine.memory !== undefined && typeof machine.memory !== 'string') throw bad('"machine.memory" is a size such as "256MiB"');
    const ips = machine.instructionsPerSecond;
    if (ips !== undefined && (typeof ips !== 'number' || !Number.isSafeInteger(ips) || ips < 1000)) throw bad('"machine.instructionsPerSecond" is a whole number of at least 1000');
  }
  return g as unknown as ThirdPartyGuest;
}

/** guests/third-party.json of the package at `root` (no file: none). */
export function loadThirdPartyGuests(root: string): ThirdPartyGuest[] {
  const file = join(root, 'guests', 'third-party.json');
  if (!existsSync(file)) return [];
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError('BAD_GUEST_CATALOG', `${file} does not parse: ${(err as Error).message}`);
  }
  if (!Array.isArray(entries)) throw new InputError('BAD_GUEST_CATALOG', `${file}: must be a JSON array of guests`);
  const names = new Set<string>();
  return entries.map((e, i) => {
    const g = checkEntry(e, `${file}, entry ${i}`);
    if (names.has(g.name)) throw new InputError('BAD_GUEST_CATALOG', `${file}: guest "${g.name}" is listed twice`);
    names.add(g.name);
    return g;
  });
}

/** What a run did that its guest's `expect` says a good run does not (empty: all met). */
export function unmetExpectations(expect: ThirdPartyExpect | undefined, run: { status: string; exitStatus: number | null; serial: string; lastPostCode: number }): string[] {
  if (expect === undefined) return [];
  const hex = (v: number) => `0x${v.toString(16).padStart(2, '0')}`;
  const out: string[] = [];
  if (expect.post !== undefined && run.lastPostCode !== expect.post) out.push(`last POST code ${hex(run.lastPostCode)}, a good run ends at ${hex(expect.post)}`);
  if (expect.status !== undefined && run.status !== expect.status) out.push(`run ${run.status}, a good run ends ${expect.status}`);
  if (expect.exit !== undefined && run.exitStatus !== expect.exit) out.push(`exit status ${run.exitStatus ?? 'none'}, a good run's is ${expect.exit}`);
  if (expect.serial !== undefined && !run.serial.includes(expect.serial)) out.push(`serial output lacks ${JSON.stringify(expect.serial)}`);
  return out;
}
