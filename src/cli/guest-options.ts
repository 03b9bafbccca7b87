/**
 * What `run` and `record` share: the guest argument, the flags that set up a run (memory,
 * guest arguments, input script, disk), and checking all of them before a machine starts —
 * a bad file is an error now, never mid-run.
 */
import { Args, Flags } from '@oclif/core';
import { parseSize } from '../units.js';
import { InputError } from '../errors.js';
import { memorySizeProblem, type Machine } from '../board/machine.js';
import { bootFromImage, bootSpec } from '../board/boot.js';
import { CopyOnWriteDiskBacking, openDiskImage } from '../devices/disk-backing.js';
import { checkGuestArgs, resolveBoot, type BootFlags, type ResolvedImage } from '../guests/catalog.js';
import { loadInputScript, type InputScript } from '../devices/input-script.js';
import { openSharedDisk, type RunSetup, type SharedDisk } from '../trace/run-setup.js';

export const guestArg = Args.string({
  description: 'guest name (see `migtrace guests`) or path to a raw boot image; omit with --kernel, --rom or --multiboot',
  required: false,
});

const DEFAULT_MEMORY_FLAG = '64MiB';

export const guestFlags = {
  memory: Flags.string({ description: 'RAM size (default 64MiB, or what a third-party guest\'s catalog entry says)' }),
  args: Flags.string({ description: 'guest arguments, e.g. "mb=16 passes=2" (replace the guest\'s defaults)' }),
  input: Flags.string({ description: 'input script: serial bytes and NIC frames at given icounts (docs/input-script.md)' }),
  disk: Flags.string({ description: 'disk image file for the primary ATA channel (default: a private copy of the boot image)' }),
  'slave-disk': Flags.string({ description: 'disk image file for device 1 (slave) on the primary ATA channel (default: none)' }),
  kernel: Flags.string({ description: 'boot a Linux bzImage (or vmlinux ELF) by the 32-bit boot protocol (instead of a guest)' }),
  initrd: Flags.string({ description: 'initial ramdisk for --kernel (placed high, below initrd_addr_max and the end of RAM)' }),
  append: Flags.string({ description: 'kernel command line for --kernel or --multiboot (replaces a catalog guest\'s)' }),
  rom: Flags.string({ description: 'boot a 64 or 128 KiB ROM image at the reset vector (instead of a guest)' }),
  multiboot: Flags.string({ description: 'boot a Multiboot v1 kernel (ELF or a.out kludge) (instead of a guest)' }),
};

export interface GuestRequest {
  readonly image: ResolvedImage;
  readonly memory: number;
  /** Virtual instructions per second: a third-party guest's catalog entry may set it (undefined: the default). */
  readonly instructionsPerSecond: number | undefined;
  /** --args, else the guest's default arguments, else undefined (the image as built). */
  readonly args: string | undefined;
  readonly input: InputScript | undefined;
  /** The --disk path, not yet opened (run opens it writable, record read-only under an overlay). */
  readonly diskPath: string | undefined;
  /** The --slave-disk path, or a catalog disk guest's primary slave; not yet opened. */
  readonly slaveDiskPath: string | undefined;
  /** The slave is a catalog guest's own file in the guest cache (not a --slave-disk). */
  readonly slaveFromCatalog: boolean;
}

export function resolveGuestRequest(
  guest: string | undefined,
  flags: { memory?: string; args?: string; input?: string; disk?: string; 'slave-disk'?: string } & BootFlags,
): GuestRequest {
  const image = resolveBoot(guest, flags);
  const wanted = image.thirdParty?.machine;
  const size = flags.memory ?? wanted?.memory ?? DEFAULT_MEMORY_FLAG;
  const what = flags.memory !== undefined ? '--memory' : wanted?.memory !== undefined ? `guest ${image.label}'s catalog memory` : '--memory';
  const memory = parseSize(size, what);
  const problem = memorySizeProblem(memory);
  if (problem !== null) throw new InputError('BAD_MEMORY_SIZE', `${what} ${size}: ${problem}`);
  if (image.mode !== 'disk' && flags.args !== undefined) {
    throw new InputError('BAD_GUEST_ARGS', `--args patches a disk image's argument region; a ${image.mode} boot takes a kernel command line (--append)`);
  }
  checkGuestArgs(image.guest, flags.args);
  // A trial boot, so a file that does not fit this machine (an initrd too large for --memory)
  // is refused now, by its name, before a trace directory exists.
  if (image.spec !== undefined) bootSpec(image.spec, { memory, instructionsPerSecond: wanted?.instructionsPerSecond });
  return {
    image,
    memory,
    instructionsPerSecond: wanted?.instructionsPerSecond,
    args: flags.args ?? image.guest?.args,
    input: flags.input === undefined ? undefined : loadInputScript(flags.input),
    diskPath: flags.disk,
    slaveDiskPath: flags['slave-disk'] ?? image.slavePath,
    slaveFromCatalog: flags['slave-disk'] === undefined && image.slavePath !== undefined,
  };
}

/**
 * The machine `migtrace run` boots for a request. A --disk or --slave-disk file is written
 * through unless `diskReadOnly`; a catalog guest's slave, its own file in the guest cache,
 * through a private overlay.
 */
export function bootRequest(req: GuestRequest, options: { diskReadOnly?: boolean } = {}): Machine {
  const readOnly = options.diskReadOnly ?? false;
  const disk = req.diskPath === undefined ? undefined : openDiskImage(req.diskPath, { readOnly });
  const slaveDisk = req.slaveDiskPath === undefined ? undefined
    : req.slaveFromCatalog ? new CopyOnWriteDiskBacking(openDiskImage(req.slaveDiskPath, { readOnly: true }))
    : openDiskImage(req.slaveDiskPath, { readOnly });
  return bootFromImage(req.image.bytes, {
    memory: req.memory,
    instructionsPerSecond: req.instructionsPerSecond,
    args: req.args,
    input: req.input,
    disk,
    slaveDisk,
  });
}

/**
 * The run setup `record` makes of a request: the request's disks opened read-only and hashed
 * (guest writes go to overlays), so a replay or a migration finds them as the recording did.
 * Close it when the recording is done.
 */
export function recordingSetup(req: GuestRequest): { readonly setup: RunSetup; close(): void } {
  const disk = req.diskPath === undefined ? undefined : openSharedDisk(req.diskPath);
  let slaveDisk: SharedDisk | undefined;
  try {
    slaveDisk = req.slaveDiskPath === undefined ? undefined : openSharedDisk(req.slaveDiskPath);
  } catch (err) {
    disk?.close();
    throw err;
  }
  const setup: RunSetup = {
    label: req.image.label,
    image: req.image.bytes,
    args: req.args,
    memory: req.memory,
    instructionsPerSecond: req.instructionsPerSecond,
    input: req.input,
    disk,
    slaveDisk,
  };
  return {
    setup,
    close: () => {
      disk?.close();
      slaveDisk?.close();
    },
  };
}
