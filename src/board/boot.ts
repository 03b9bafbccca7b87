/**
 * Boot a machine from a boot image (boot-spec.ts: a raw disk image or a boot bundle), in any
 * mode. Everything that builds a machine for a run — `run`, recording, replay, migration's
 * source and destination, the verifier — comes here, so a boot mode needs nothing else.
 */
import { InputError } from '../errors.js';
import { bootLinux } from './boot-linux.js';
import { bootMultiboot } from './boot-multiboot.js';
import { bootRom, mapRom, romOf } from './boot-rom.js';
import { decodeBootImage, type BootSpec } from './boot-spec.js';
import { imageDisk, Machine, type MachineOptions } from './machine.js';

/**
 * A fresh machine for `image` with nothing loaded and the CPU at reset, but with the boot's
 * fixed memory map (a ROM's read-only ranges, its bytes in place) and its default disk (a
 * disk boot's image; none otherwise). What a migration destination starts from.
 */
export function machineForBoot(image: Uint8Array, options: MachineOptions = {}): Machine {
  const spec = decodeBootImage(image);
  const machine = new Machine({ ...options, disk: options.disk ?? (spec.mode === 'disk' ? imageDisk(image) : undefined) });
  if (spec.mode === 'rom') {
    const rom = romOf(spec);
    mapRom(machine, rom.bytes, rom.name);
    machine.memory.dirty.clear();
  }
  return machine;
}

/** Boot `image` as its mode says; the CPU is left at the guest's first instruction. */
export function bootFromImage(image: Uint8Array, options: MachineOptions = {}): Machine {
  const spec = decodeBootImage(image);
  if (spec.mode === 'disk') return Machine.boot(image, options);
  return bootSpec(spec, options);
}

/** Boot a spec (its files already read). */
export function bootSpec(spec: BootSpec, options: MachineOptions = {}): Machine {
  if (spec.mode === 'disk') return Machine.boot(spec.files[0].bytes, options);
  if (options.args !== undefined) {
    throw new InputError('BAD_GUEST_ARGS', `guest arguments patch a disk image's argument region; a ${spec.mode} boot takes a kernel command line (--append) instead`);
  }
  const machine = new Machine(options);
  if (spec.mode === 'linux') bootLinux(machine, spec);
  else if (spec.mode === 'rom') bootRom(machine, spec);
  else bootMultiboot(machine, spec);
  machine.memory.dirty.clear();
  return machine;
}
