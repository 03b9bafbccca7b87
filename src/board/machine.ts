/**
 * The simulated PC: memory, bus, icount clock, CPU and board devices, and the run loop that
 * drives them in virtual time.
 *
 * Boot is what a PC BIOS does for a disk, minus the BIOS: the raw image is loaded at 0x7C00
 * and the CPU starts there in real mode with DL = 0x80. An image that fits below the EBDA is
 * loaded whole (under QEMU the BIOS loads only the first sector and our boot stub loads the
 * rest itself — see guests/README.md); a larger one, a real disk, gets its boot sector only,
 * as from a BIOS.
 *
 * The run loop executes CPU slices up to the next timer deadline, fires due timers, and
 * skips idle time when the CPU halts with interrupts enabled. Everything is a function of
 * the image, the configuration and the inputs: there is no wall clock anywhere.
 */
import { InputError, MachineFault } from '../errors.js';
import { Bus } from '../machine/bus.js';
import { Clock } from '../machine/clock.js';
import { PhysicalMemory } from '../machine/memory.js';
import { Cpu, RunExit } from '../machine/cpu/cpu.js';
import { buildBoard, emptyInputScript, type AnyDevice, type Board } from './board.js';
import { CopyOnWriteDiskBacking, MemoryDiskBacking, type DiskBacking } from '../devices/disk-backing.js';
import type { InputScript } from '../devices/input-script.js';
import { InterruptFabric } from '../machine/interrupts.js';
import { isaIrqToGsi } from './layout.js';
import type { DeviceContext, OutputSink } from '../devices/device.js';
import { EBDA_ADDRESS, writeFirmwareTables } from './firmware-tables.js';
import type { BootMode } from './boot-spec.js';

export const MiB = 1024 * 1024;
export const DEFAULT_MEMORY = 64 * MiB;
/** The boot image, its stack and the low megabyte the guests assume. */
export const MIN_MEMORY = 1 * MiB;
/** The CPU's fast paths index RAM with int32 physical addresses. */
export const MAX_MEMORY = 2048 * MiB;

/** Why `bytes` cannot be this machine's RAM size, or null when it can. */
export function memorySizeProblem(bytes: number): string | null {
  if (!Number.isSafeInteger(bytes) || bytes < MIN_MEMORY) return `${bytes} bytes is less than the ${MIN_MEMORY / MiB} MiB the machine needs`;
  if (bytes > MAX_MEMORY) return `${bytes} bytes is more than the ${MAX_MEMORY / MiB} MiB (2 GiB) this CPU can address`;
  if (bytes % 4096 !== 0) return `${bytes} bytes is not a whole number of 4 KiB pages`;
  return null;
}
export const BOOT_ADDRESS = 0x7c00;
export const BOOT_DRIVE = 0x80;
/** The guest argument string lives in the boot sector (guests/README.md). */
export const GUEST_ARGS_OFFSET = 0x1a0;
export const GUEST_ARGS_SIZE = 94;

/**
 * isa-debug-exit turns the value v a guest writes into the exit status (v << 1) | 1 (QEMU's
 * convention, so a guest can never exit 0): say both, and what the guest meant by it.
 * "guest exited with status 1 (it wrote 0 to isa-debug-exit: success)".
 */
export function describeGuestExit(status: number): string {
  const code = status >>> 1;
  return `guest exited with status ${status} (it wrote ${code} to isa-debug-exit: ${code === 0 ? 'success' : `failure, code ${code}`})`;
}

export type RunStatus = 'exited' | 'halted' | 'limit' | 'fault' | 'reset';

export interface RunResult {
  status: RunStatus;
  /** isa-debug-exit status, (v << 1) | 1, when status is 'exited'. */
  exitStatus: number | null;
  icount: number;
  /** Everything the guest wrote to the serial port, as latin1 text. */
  serial: string;
  /** One line saying why the run ended. */
  message: string;
}

export interface MachineOptions {
  /** RAM size in bytes (default 64 MiB). */
  memory?: number;
  /** Guest argument string patched into the loaded image (at most 93 bytes). */
  args?: string;
  /** RTC time at power-on, Unix seconds (default 2026-01-01T00:00:00Z). */
  rtcStart?: number;
  /**
   * The shared disk on the primary ATA channel. Default: a private copy-on-write view of
   * the boot image, which is what QEMU's `-drive file=IMG` gives the same guest (Machine.boot);
   * a machine built directly, as other boot modes do, gets `blankDisk()`.
   */
  disk?: DiskBacking;
  /** A second disk on the primary ATA channel, device 1 (slave); none: device 1 is absent. */
  slaveDisk?: DiskBacking;
  /** Frames and serial bytes the outside world sends, at given icounts. */
  input?: InputScript;
  /** Virtual instructions per virtual second (default 100 M): the rate device clocks run at. */
  instructionsPerSecond?: number;
}

export interface RunOptions {
  /** Stop when the instruction count reaches this value. */
  maxInstructions?: number;
}

/**
 * Sees what crosses the machine's boundary: bytes and frames the outside world sends in
 * (from the input script) and what the machine sends out. The trace recorder and the
 * hypervisor tap here. An output tap returning false swallows the output: frames a
 * hypervisor made for itself never reach the outside world.
 */
export interface MachineTap {
  input?(channel: 'serial' | 'frame', data: Uint8Array): void;
  output?(channel: 'serial' | 'frame', data: Uint8Array): boolean | void;
}

type StopReason = { status: 'exited'; exitStatus: number } | { status: 'reset' };

export class Machine implements OutputSink {
  readonly memory: PhysicalMemory;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly cpu: Cpu;
  readonly board: Board;
  readonly interrupts: InterruptFabric;
  /** Bytes the guest sent out of the serial port. */
  readonly serialOut: number[] = [];
  /** Frames the guest transmitted. */
  readonly framesOut: Uint8Array[] = [];
  /** Called for every serial byte as it is sent (the CLI streams them). */
  onSerial: ((byte: number) => void) | null = null;
  readonly taps: MachineTap[] = [];
  /** Called after a device's timer event, with its bus id and whether it may have changed declared state (DeviceContext; the trace recorder checks it). */
  afterDeviceEvent: ((deviceId: number, changed: boolean) => void) | null = null;
  /** Instructions of virtual time that passed in HLT (skipped to the next event, not executed). */
  haltedInstructions = 0;
  /** Instructions of virtual time that passed with the guest paused (advancePaused). */
  pausedInstructions = 0;
  /** The ATA primary slave's backing (MachineOptions.slaveDisk), or null. */
  readonly slaveDisk: DiskBacking | null;
  /**
   * What firmware and boot loaders put into RAM before the first instruction (loadBytes):
   * with the ROM's pages, the only memory a freshly booted machine can have non-zero.
   */
  readonly loadedRegions: { readonly address: number; readonly length: number }[] = [];
  private readonly oneByte = new Uint8Array(1);
  private stopReason: StopReason | null = null;

  constructor(options: MachineOptions = {}) {
    this.clock = new Clock(options.instructionsPerSecond);
    const memoryProblem = memorySizeProblem(options.memory ?? DEFAULT_MEMORY);
    if (memoryProblem !== null) throw new InputError('BAD_MEMORY_SIZE', `memory size: ${memoryProblem}`);
    this.memory = new PhysicalMemory(options.memory ?? DEFAULT_MEMORY);
    this.slaveDisk = options.slaveDisk ?? null;
    this.bus = new Bus(this.memory);
    this.cpu = new Cpu(this.memory, this.bus, this.clock);
    this.interrupts = new InterruptFabric(this.cpu, isaIrqToGsi);
    const ctx: DeviceContext = {
      bus: this.bus,
      clock: this.clock,
      memory: this.memory,
      irq: this.interrupts,
      output: this,
      afterDeviceEvent: (deviceId, changed) => this.afterDeviceEvent?.(deviceId, changed),
    };
    this.board = buildBoard(
      ctx,
      this.interrupts,
      {
        input: (channel, data) => this.inputDelivered(channel, data),
        exit: (status) => this.stop({ status: 'exited', exitStatus: status }),
        resetRequest: () => this.stop({ status: 'reset' }),
      },
      {
        rtcStart: options.rtcStart,
        disk: options.disk ?? blankDisk(),
        slaveDisk: options.slaveDisk,
        input: options.input ?? emptyInputScript(),
      },
    );
  }

  /** Build a machine and load a raw boot image at 0x7C00, as a PC BIOS would. */
  static boot(image: Uint8Array, options: MachineOptions = {}): Machine {
    const machine = new Machine({ ...options, disk: options.disk ?? imageDisk(image) });
    machine.loadBootImage(image, options.args);
    return machine;
  }

  get devices(): AnyDevice[] {
    return this.board.devices;
  }

  /** The last code written to the POST port (0 before any): how far a firmware-style guest (test386) got. */
  get lastPostCode(): number {
    const post = this.board.devices.find((d) => d.schema.device === 'post');
    return (post?.state as { code?: number } | undefined)?.code ?? 0;
  }

  loadBootImage(image: Uint8Array, args?: string): void {
    if (image.length < 512) {
      throw new InputError('BAD_IMAGE', `boot image is ${image.length} bytes; a boot sector needs 512`);
    }
    if (image[510] !== 0x55 || image[511] !== 0xaa) {
      throw new InputError('BAD_IMAGE', 'not a boot image: no 0x55AA signature at offset 510');
    }
    if (BOOT_ADDRESS + Math.min(image.length, EBDA_ADDRESS - BOOT_ADDRESS) > this.memory.size) {
      throw new InputError(
        'IMAGE_TOO_LARGE',
        `boot image of ${image.length} bytes does not fit in ${this.memory.size} bytes of memory at 0x7c00`,
      );
    }
    // A copy, even of a Buffer (whose slice() is a view): patching the args must not touch the caller's image.
    const copy = new Uint8Array(image);
    if (args !== undefined) patchGuestArgs(copy, args);
    this.beginBoot('disk');
    // An image that fits in conventional memory below the EBDA is loaded whole (our guests'
    // boot stubs then skip reading the rest); a real disk's (xv6's) is not: a BIOS loads only
    // its boot sector, and the rest would overwrite the EBDA, its MP table and video memory.
    this.loadBytes(BOOT_ADDRESS, copy.length <= EBDA_ADDRESS - BOOT_ADDRESS ? copy : copy.subarray(0, 512));
    this.memory.dirty.clear();
    this.cpu.bootAt(0, BOOT_ADDRESS, BOOT_DRIVE);
  }

  /**
   * Every boot, whatever its mode (src/board/boot.ts), starts here, before the loader puts the
   * guest's files into memory: the firmware's tables (BDA, MP table) are written first.
   */
  beginBoot(mode: BootMode): void {
    if (mode === 'rom') {
      // The ROM is the firmware: nothing has run before it, so there are no tables, no timer
      // the BIOS started (the 8254 waits for its first count) and no virtual wire (LINT0 is
      // masked, as at power-on).
      this.board.pit.powerOnWithoutBios();
      this.board.lapic.powerOnWithoutBios();
      return;
    }
    writeFirmwareTables({ writeBytes: (address, bytes) => this.loadBytes(address, bytes) });
  }

  /** Put bytes into RAM before the guest runs (a loader or the firmware), remembering where (loadedRegions). */
  loadBytes(address: number, bytes: Uint8Array): void {
    this.memory.writeBytes(address, bytes);
    if (bytes.length > 0) this.loadedRegions.push({ address, length: bytes.length });
  }

  /** The RAM pages loadBytes wrote, ascending (a fresh machine's only non-zero memory). */
  loadedPages(): Uint32Array {
    const pages = new Set<number>();
    const last = this.memory.ramPages - 1;
    for (const r of this.loadedRegions) {
      for (let p = Math.floor(r.address / 4096); p <= Math.min(last, Math.floor((r.address + r.length - 1) / 4096)); p++) pages.add(p);
    }
    return Uint32Array.from([...pages].sort((a, b) => a - b));
  }

  serialByte(byte: number): void {
    if (this.taps.length > 0) {
      this.oneByte[0] = byte;
      for (const tap of this.taps) if (tap.output?.('serial', this.oneByte) === false) return;
    }
    this.serialOut.push(byte);
    if (this.onSerial !== null) this.onSerial(byte);
  }

  frame(data: Uint8Array): void {
    for (const tap of this.taps) if (tap.output?.('frame', data) === false) return;
    this.framesOut.push(data.slice());
  }

  /** @internal the board's input scheduler reports what it delivers. */
  inputDelivered(channel: 'serial' | 'frame', data: Uint8Array): void {
    for (const tap of this.taps) tap.input?.(channel, data);
  }

  get serialText(): string {
    return Buffer.from(this.serialOut).toString('latin1');
  }

  /** Run until the guest exits, halts for good, faults, or the icount reaches the limit. */
  run(options: RunOptions = {}): RunResult {
    const limit = options.maxInstructions ?? Infinity;
    const clock = this.clock;
    const cpu = this.cpu;
    for (;;) {
      clock.runDue();
      if (this.stopReason !== null) return this.finish();
      if (clock.icount >= limit) {
        return this.result('limit', `stopped at the instruction limit (${limit})`);
      }
      const exit = cpu.run(Math.min(clock.nextEventAt, limit));
      if (exit === RunExit.FAULT) {
        const fault = cpu.fault ?? new MachineFault('CPU_FAULT', 'CPU fault');
        return this.result('fault', fault.message);
      }
      if (exit === RunExit.HALTED) {
        // Not getState(): it allocates a whole CpuState, and a ticking guest halts thousands of times a second.
        if (!cpu.interruptsEnabled) {
          // The CPU is stopped for good, but the machine stays powered: the UART finishes
          // sending what it holds (test386 halts right after its last character).
          if (this.board.uart.transmitBusy() && clock.nextEventAt <= limit) {
            this.haltedInstructions += clock.nextEventAt - clock.icount;
            clock.icount = Math.max(clock.icount, clock.nextEventAt);
            continue;
          }
          return this.result('halted', `halted with interrupts disabled at ${cpu.describeLocation()}`);
        }
        if (clock.nextEventAt === Infinity || !this.board.interruptsPossible()) {
          return this.result('halted', `halted at ${cpu.describeLocation()} with nothing left that could wake it`);
        }
        // HLT with interrupts on: nothing happens until the next device event.
        const wake = Math.max(clock.icount, Math.min(clock.nextEventAt, limit));
        this.haltedInstructions += wake - clock.icount;
        clock.icount = wake;
      }
    }
  }

  /**
   * Let `instructions` of virtual time pass with the guest paused: device timers fire, the
   * CPU executes nothing. This is what happens while a hypervisor holds the machine (it
   * drives devices during stop-and-copy, or reconstructs them on the destination).
   */
  advancePaused(instructions: number): void {
    const clock = this.clock;
    const target = clock.icount + instructions;
    this.pausedInstructions += instructions;
    while (clock.nextEventAt <= target) {
      clock.icount = Math.max(clock.icount, clock.nextEventAt);
      clock.runDue();
    }
    clock.icount = target;
  }

  /** True once the guest has exited or asked for a reset: the machine will not run on. */
  get stopped(): boolean {
    return this.stopReason !== null;
  }

  private stop(reason: StopReason): void {
    if (this.stopReason === null) this.stopReason = reason;
    this.cpu.requestStop();
  }

  private finish(): RunResult {
    const reason = this.stopReason!;
    if (reason.status === 'exited') {
      const r = this.result('exited', describeGuestExit(reason.exitStatus));
      r.exitStatus = reason.exitStatus;
      return r;
    }
    return this.result('reset', 'guest requested a CPU reset (port 0x92); stopped as QEMU does with -no-reboot');
  }

  private result(status: RunStatus, message: string): RunResult {
    return { status, exitStatus: null, icount: this.clock.icount, serial: this.serialText, message };
  }
}

/**
 * The shared disk of a boot that brings none (a kernel, ROM or multiboot boot without
 * --disk): one blank sector, written through a copy-on-write overlay like every other shared
 * disk, so what the guest writes to it is in the machine's snapshots and travels with a
 * migration (a plain in-memory sector's writes were neither: the destination read zeros).
 */
export function blankDisk(): DiskBacking {
  return new CopyOnWriteDiskBacking(new MemoryDiskBacking(1, true));
}

/** A private, writable view of the boot image as a disk (padded to whole sectors). */
export function imageDisk(image: Uint8Array): DiskBacking {
  const sectors = Math.max(1, Math.ceil(image.length / 512));
  const bytes = new Uint8Array(sectors * 512);
  bytes.set(image);
  return new CopyOnWriteDiskBacking(new MemoryDiskBacking(bytes, true));
}

/** Write the guest argument string into the boot sector's args region (NUL-padded). */
export function patchGuestArgs(image: Uint8Array, args: string): void {
  const bytes = Buffer.from(args, 'latin1');
  if (bytes.length > GUEST_ARGS_SIZE - 1 || /[^\x20-\x7e]/.test(args)) {
    throw new InputError(
      'BAD_GUEST_ARGS',
      `guest arguments must be at most ${GUEST_ARGS_SIZE - 1} printable ASCII characters`,
    );
  }
  image.fill(0, GUEST_ARGS_OFFSET, GUEST_ARGS_OFFSET + GUEST_ARGS_SIZE);
  image.set(bytes, GUEST_ARGS_OFFSET);
}
