/**
 * Recording a machine run into a trace: the hooks that turn what the machine does into
 * records, and the run loop that drives it in slices and commits between them.
 *
 * What is recorded, and where it is seen:
 * - every PIO/MMIO access and DMA transfer: the bus observer (the writer's encoder);
 * - device transitions: the DeviceTransitionTracker checks the accessed device after each
 *   access, and the timer's device after each device timer event (Machine.afterDeviceEvent)
 *   unless the event says it changed nothing declared (the RTC's periodic flag, already set).
 *   Either can change other devices too, and those are checked then: an interrupt line moving
 *   changes the controllers' IRR/ISR; INTA changes the LAPIC's and the PICs'; an access to one
 *   controller reaches others (PIC cascade, LAPIC LINT0, IOAPIC EOI broadcast and delivery);
 *   PCI configuration cycles program the NIC; the input scheduler's events feed the UART and
 *   the NIC. (test/trace/session.test.ts checks every device after every step of every guest
 *   and finds nothing these miss.)
 *   Transitions thus depend only on what the machine did, never on where a run slice ended
 *   or a checkpoint fell, so slicing, flushing and progress reporting cannot change the
 *   trace, and a destination recorded from the switch-over lines up with the reference;
 * - interrupts: the fabric's observer (line raised/lowered, INTA with its vector);
 * - inputs and outputs: a machine tap;
 * - checkpoints: at the first icount, at every multiple of the writer's interval, and once more
 *   at the end.
 *
 * A recording can start from any machine: a freshly booted guest (firstIcount 0) or a
 * destination restored at the switch-over icount, with a `start` hook that writes migration
 * events before the first instruction.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BusObserver } from '../machine/bus.js';
import type { ChunkEncoder } from './packed.js';
import type { InterruptObserver } from '../machine/interrupts.js';
import type { Machine, MachineTap, RunStatus } from '../board/machine.js';
import type { RecordKind } from './format.js';
import { bootMachine, traceHeaderFor, type RunSetup } from './run-setup.js';
import { DeviceTransitionTracker } from './transitions.js';
import { PAGE_HASH_THREAD_MIN, TraceWriter, type CheckpointWritten, type TraceHeaderInit, type TraceWriterOptions } from './writer.js';

/**
 * Instructions per run slice: the machine runs this long between looks at the writer (commit
 * the previous batch, start the next, report progress). ~10–40 ms of guest time; it changes
 * nothing in the trace.
 */
export const DEFAULT_SLICE_INSTRUCTIONS = 2_000_000;

/** Batches being committed at once (each ~1 MiB of packed records). */
const COMMITS_IN_FLIGHT = 2;

// The interrupt controllers, as bits: which of them a step can have changed.
const PIC_MASTER = 1;
const PIC_SLAVE = 2;
const IOAPIC = 4;
const LAPIC = 8;

/** Every hook a recording puts on a machine, in one object so the bus calls it without a closure. */
class RecordingHooks implements BusObserver, InterruptObserver, MachineTap {
  private readonly encoder: ChunkEncoder;
  private readonly tracker: DeviceTransitionTracker;
  /** Bus device ids of PIC_MASTER, PIC_SLAVE, IOAPIC, LAPIC (bit order). */
  private readonly controllerIds: readonly number[];
  /**
   * By bus device id: the other controllers an access to it can change. The PICs reach the
   * LAPIC (LINT0 follows the master's INT output) and each other (cascade); the LAPIC reaches
   * the IOAPIC (EOI broadcast for level-triggered entries) and the IOAPIC the LAPIC (delivery).
   */
  private readonly reach: Uint8Array;
  private readonly pci: number;
  private readonly nic: number;
  /** The 8042 and port 0x92 share the A20 latch: a write to the 8042's output port changes the system control port's state. */
  private readonly i8042: number;
  private readonly sysctl: number;
  private readonly uart: number;
  private readonly inputDevice: number;
  /** Controllers a moved ISA line may have changed, not yet checked (lines move before the controllers see them). */
  private pending = 0;
  /**
   * The last access changed no device state and nothing happened since (no transition, device
   * event or interrupt): an identical access finds the device as the last one did and does
   * what it did — nothing — so it is not checked again. A guest polling a status register
   * (the UART's LSR, waiting to transmit: 800 k reads in a 300 M-instruction timer run) would
   * otherwise pay a full device comparison per read.
   */
  private quiet = false;
  /** The last access: space | dir << 1 | size << 2 | origin << 5, address, value, device. */
  private lastShape = -1;
  private lastAddr = -1;
  private lastValue = -1;
  private lastDevice = -1;

  constructor(
    machine: Machine,
    private readonly writer: TraceWriter,
  ) {
    this.encoder = writer.observer;
    this.tracker = new DeviceTransitionTracker(machine.devices, writer);
    const b = machine.board;
    this.controllerIds = [b.pic.master.id, b.pic.slave.id, b.ioapic.id, b.lapic.id];
    this.reach = new Uint8Array(Math.max(...machine.devices.map((d) => d.id)) + 1);
    this.reach[b.pic.master.id] = PIC_SLAVE | LAPIC;
    this.reach[b.pic.slave.id] = PIC_MASTER | LAPIC;
    this.reach[b.ioapic.id] = LAPIC;
    this.reach[b.lapic.id] = IOAPIC;
    this.pci = b.pci.id;
    this.nic = b.nic.id;
    this.i8042 = b.i8042.id;
    this.sysctl = b.sysctl.id;
    this.uart = b.uart.id;
    this.inputDevice = b.input.id;
  }

  // ---- bus (hot path: nothing allocated)
  /**
   * Split in two so that V8 inlines this part into the bus's dispatch: a polling loop (the
   * same access, nothing changed since, at the same stride) costs these compares and the
   * encoder's repeat count, and nothing else. Everything else goes to record().
   */
  access(space: number, dir: number, addr: number, size: number, value: number, device: number, origin: number): void {
    const shape = space | (dir << 1) | (size << 2) | (origin << 5);
    const same = this.quiet && value === this.lastValue && addr === this.lastAddr && device === this.lastDevice && shape === this.lastShape;
    if (same && this.encoder.again()) return;
    this.record(space, dir, addr, size, value, device, origin, shape, same);
  }

  /** `same`: the access the last one was, with nothing changed since (the encoder still encodes it: its stride changed). */
  private record(space: number, dir: number, addr: number, size: number, value: number, device: number, origin: number, shape: number, same: boolean): void {
    this.encoder.access(space, dir, addr, size, value, device, origin);
    if (same) return;
    this.lastShape = shape;
    this.lastAddr = addr;
    this.lastValue = value;
    this.lastDevice = device;
    const tracker = this.tracker;
    let n = tracker.check(device);
    if (device === this.pci) n += tracker.check(this.nic);
    else if (device === this.i8042) n += tracker.check(this.sysctl);
    const more = this.pending | this.reach[device];
    if (more !== 0) n += this.checkControllers(more, device);
    this.quiet = n === 0;
  }

  /** The last access again, `times` times (a compiled poll loop's): only counted, when it changed nothing. */
  accessRepeated(times: number, stride: number): boolean {
    return this.quiet && this.encoder.repeatAccess(times, stride);
  }

  dma(dir: number, device: number, addr: number, data: Uint8Array, origin: number): void {
    this.encoder.dma(dir, device, addr, data, origin);
  }

  // ---- interrupt fabric
  line(irq: number, level: boolean): void {
    this.writer.interrupt(level ? 'raise' : 'lower', irq);
    // Called before the controllers see the line: the access or event around it checks them.
    // A slave line reaches the master through the cascade; every line reaches an IOAPIC pin.
    this.pending |= (irq < 8 ? PIC_MASTER : PIC_MASTER | PIC_SLAVE) | IOAPIC | LAPIC;
    this.quiet = false;
  }

  acknowledged(vector: number): void {
    this.writer.interrupt('ack', vector);
    // INTA has updated the LAPIC's ISR/IRR, or (ExtINT) the PICs', by now; the IOAPIC takes no part.
    this.checkControllers(this.pending | PIC_MASTER | PIC_SLAVE | LAPIC, -1);
    this.quiet = false;
  }

  // ---- machine
  /**
   * A device timer fired: it changed that device (unless it said it did not: `changed` false),
   * the controllers if a line moved, and (input) what it fed.
   */
  afterDeviceEvent(deviceId: number, changed: boolean): void {
    const tracker = this.tracker;
    if (changed) tracker.check(deviceId);
    if (deviceId === this.inputDevice) {
      tracker.check(this.uart);
      tracker.check(this.nic);
    }
    const more = this.pending | this.reach[deviceId];
    if (more !== 0) this.checkControllers(more, deviceId);
    this.quiet = false;
  }

  /** Every device (after state was changed other than through the bus or a timer). */
  checkAll(): void {
    this.tracker.checkAll();
    this.pending = 0;
    this.quiet = false;
  }

  input(channel: 'serial' | 'frame', data: Uint8Array): void {
    this.writer.input(channel, channel === 'serial' ? this.uart : this.nic, data);
  }

  output(channel: 'serial' | 'frame', data: Uint8Array): void {
    this.writer.output(channel, channel === 'serial' ? this.uart : this.nic, data);
  }

  /** Check the controllers in `mask` (in a fixed order), except `done` (just checked). */
  private checkControllers(mask: number, done: number): number {
    this.pending = 0;
    const ids = this.controllerIds;
    let n = 0;
    for (let i = 0; i < 4; i++) {
      if ((mask & (1 << i)) !== 0 && ids[i] !== done) n += this.tracker.check(ids[i]);
    }
    return n;
  }
}

export interface RecordingProgress {
  readonly icount: number;
  readonly records: number;
  readonly checkpoints: number;
}

export interface RecordRunOptions {
  /** Stop once the icount reaches this (status "limit"). Default: run until the guest stops. */
  readonly until?: number;
  /** Instructions per slice between commits and progress reports; does not change the trace. */
  readonly sliceInstructions?: number;
  /** Called after every slice (the CLI's progress line). */
  readonly onProgress?: (p: RecordingProgress) => void;
  /** Aborting stops the run at the next slice boundary with status "aborted". */
  readonly signal?: AbortSignal;
  /** Checked after every slice; true stops the run there (status "stopped"). Replay stops at its first mismatch. */
  readonly stopWhen?: () => boolean;
  /** False: no checkpoint where the run stops (a caller that runs on after doing something there). Default true. */
  readonly finalCheckpoint?: boolean;
}

export type RecordingStatus = RunStatus | 'aborted' | 'stopped';

export interface RecordingOutcome {
  readonly status: RecordingStatus;
  readonly message: string;
  /** isa-debug-exit status when the guest exited. */
  readonly exitStatus: number | null;
  readonly firstIcount: number;
  readonly icount: number;
  readonly records: number;
  readonly checkpoints: number;
}

/** Records a machine's run into a TraceWriter: attach, run (as often as needed), detach. */
export class MachineRecorder {
  private readonly hooks: RecordingHooks;
  private savedInterrupts: InterruptObserver | null = null;
  private savedAfterEvent: ((deviceId: number, changed: boolean) => void) | null = null;
  private attached = false;
  private checkpoints = 0;
  private lastCheckpointIcount = -1;

  /**
   * `firstPages`: the only pages that may be non-zero when recording starts — for a machine
   * just booted, machine.loadedPages() — so the first checkpoint does not read all of memory.
   */
  constructor(
    readonly machine: Machine,
    readonly writer: TraceWriter,
    private readonly firstPages?: ArrayLike<number>,
  ) {
    if (writer.nextCheckpointAt !== machine.clock.icount) {
      throw new Error(`recording starts at icount ${machine.clock.icount} but the trace's first icount is ${writer.nextCheckpointAt}`);
    }
    this.hooks = new RecordingHooks(machine, writer);
  }

  /** Put the hooks on the machine (other bus observers, taps and hooks keep working). */
  attach(): void {
    if (this.attached) return;
    const m = this.machine;
    const hooks = this.hooks;
    m.bus.addObserver(hooks);
    this.savedInterrupts = m.interrupts.observer;
    const other = this.savedInterrupts;
    m.interrupts.observer =
      other === null
        ? hooks
        : {
            line: (irq, level) => {
              other.line(irq, level);
              hooks.line(irq, level);
            },
            acknowledged: (vector) => {
              other.acknowledged(vector);
              hooks.acknowledged(vector);
            },
          };
    this.savedAfterEvent = m.afterDeviceEvent;
    const before = this.savedAfterEvent;
    m.afterDeviceEvent =
      before === null
        ? (id, changed) => hooks.afterDeviceEvent(id, changed)
        : (id, changed) => {
            before(id, changed);
            hooks.afterDeviceEvent(id, changed);
          };
    m.taps.push(hooks);
    this.attached = true;
  }

  detach(): void {
    if (!this.attached) return;
    const m = this.machine;
    m.bus.removeObserver(this.hooks);
    m.interrupts.observer = this.savedInterrupts;
    m.afterDeviceEvent = this.savedAfterEvent;
    const i = m.taps.indexOf(this.hooks);
    if (i >= 0) m.taps.splice(i, 1);
    this.attached = false;
  }

  /** Check every device now: after state was changed other than through the bus (a hypervisor's device.restore()). */
  checkDevices(): void {
    this.hooks.checkAll();
  }

  /** A checkpoint now: CPU state, every device's declared state, page hashes. */
  checkpoint(): CheckpointWritten {
    const m = this.machine;
    const written = this.writer.checkpoint({
      cpu: m.cpu.getState(),
      devices: m.devices,
      memory: m.memory,
      firstPages: this.checkpoints === 0 ? this.firstPages : undefined,
    });
    this.checkpoints++;
    this.lastCheckpointIcount = written.icount;
    return written;
  }

  /**
   * Run the machine until it stops (exit, halt, fault, reset), `until`, an abort or `stopWhen`,
   * checkpointing at the interval, committing between slices as the writer documents, and
   * taking a last checkpoint where it stopped. Everything is committed when this resolves.
   */
  async run(options: RecordRunOptions = {}): Promise<RecordingOutcome> {
    this.attach();
    const m = this.machine;
    const clock = m.clock;
    const writer = this.writer;
    const firstIcount = clock.icount;
    const until = options.until ?? Infinity;
    const slice = options.sliceInstructions ?? DEFAULT_SLICE_INSTRUCTIONS;
    let status: RecordingStatus = 'limit';
    let message = '';
    let exitStatus: number | null = null;
    // Commits in flight, oldest first. LevelDB writes them in order on its own thread while the
    // machine runs on; two in flight keep a busy machine (two cores, shared) from stalling the
    // run on each commit.
    const committing: Promise<void>[] = [];
    // Instructions executed (not skipped in HLT or paused) when the event loop last ran: a
    // guest that mostly halts covers many slices of icount with little work, and need not
    // yield after each (an event-loop turn per 2 M icount was ~10% of the timer guest's run).
    const executed = (): number => clock.icount - m.haltedInstructions - m.pausedInstructions;
    let executedAtYield = executed();
    try {
      for (;;) {
        if (clock.icount >= writer.nextCheckpointAt) this.checkpoint();
        if (clock.icount >= until) {
          status = 'limit';
          message = `stopped at the instruction limit (${until})`;
          break;
        }
        const r = m.run({ maxInstructions: Math.min(writer.nextCheckpointAt, until, clock.icount + slice) });
        if (r.status !== 'limit') {
          status = r.status;
          message = r.message;
          exitStatus = r.exitStatus;
          break;
        }
        let flushed = false;
        if (writer.flushDue) {
          if (committing.length >= COMMITS_IN_FLIGHT) await committing.shift(); // on disk, or its error throws here
          committing.push(writer.flush()); // committed while the next slices run
          flushed = true;
        }
        if (flushed || executed() - executedAtYield >= slice) {
          // Let the event loop run (commit callbacks, a Ctrl-C handler) after a slice's worth of work.
          executedAtYield = executed();
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
        options.onProgress?.({ icount: clock.icount, records: writer.recordCount, checkpoints: this.checkpoints });
        if (options.signal?.aborted === true) {
          status = 'aborted';
          message = `recording interrupted at icount ${clock.icount}`;
          break;
        }
        if (options.stopWhen?.() === true) {
          status = 'stopped';
          message = `stopped at icount ${clock.icount}`;
          break;
        }
      }
      if (options.finalCheckpoint !== false && this.lastCheckpointIcount !== clock.icount) this.checkpoint();
      while (committing.length > 0) await committing.shift();
      await writer.flush();
    } finally {
      // A rejected commit must not go unhandled while the caller deals with the first error.
      for (const c of committing) c.catch(() => {});
    }
    return {
      status,
      message,
      exitStatus,
      firstIcount,
      icount: clock.icount,
      records: writer.recordCount,
      checkpoints: this.checkpoints,
    };
  }
}

export interface RecordTraceOptions extends RecordRunOptions {
  /** The header: traceHeaderFor(setup, machine) for a boot; firstIcount must be the machine's icount. */
  readonly header: TraceHeaderInit;
  readonly writer?: Omit<TraceWriterOptions, 'icount'>;
  /** Called with the writer before the first instruction (a destination writes its switch-over event here). */
  readonly start?: (writer: TraceWriter, machine: Machine) => void;
  /** The only pages that may be non-zero now (see MachineRecorder); default: all of memory is scanned. */
  readonly firstPages?: ArrayLike<number>;
}

export interface RecordingSummary extends RecordingOutcome {
  readonly dir: string;
  readonly recordsByKind: Record<RecordKind, number>;
  /** LevelDB files after close. */
  readonly bytesOnDisk: number;
}

/**
 * Record `machine` from where it is into a new trace at `dir`, and close it with the run's
 * status. If recording itself fails (the disk fills up), what was committed stays readable
 * and is marked incomplete; the error is rethrown.
 */
export async function recordTrace(dir: string, machine: Machine, options: RecordTraceOptions): Promise<RecordingSummary> {
  const clock = machine.clock;
  const firstIcount = options.header.firstIcount ?? 0;
  if (firstIcount !== clock.icount) {
    throw new Error(`the header's first icount (${firstIcount}) is not the machine's icount (${clock.icount})`);
  }
  // LevelDB opens while the machine runs its first slices (TraceWriter.start).
  // Big checkpoints' pages are hashed on a thread while the machine runs on (page-hash-thread.ts).
  const writer = TraceWriter.start(dir, options.header, { pageHashThreadMin: PAGE_HASH_THREAD_MIN, ...options.writer, icount: () => clock.icount });
  const recorder = new MachineRecorder(machine, writer, options.firstPages);
  let outcome: RecordingOutcome;
  try {
    recorder.attach();
    options.start?.(writer, machine);
    outcome = await recorder.run(options);
  } catch (err) {
    recorder.detach();
    await writer.abandon().catch(() => {});
    throw err;
  }
  recorder.detach();
  const recordsByKind = writer.recordsByKind();
  await writer.close({ status: outcome.status, message: outcome.message });
  return { ...outcome, dir, recordsByKind, bytesOnDisk: traceBytesOnDisk(dir) };
}

/** Bytes of a trace directory's LevelDB files (tables, logs, manifest). */
export function traceBytesOnDisk(dir: string): number {
  let n = 0;
  for (const f of fs.readdirSync(dir)) {
    if (/\.(ldb|sst|log)$/.test(f) || f.startsWith('MANIFEST')) n += fs.statSync(path.join(dir, f)).size;
  }
  return n;
}

export interface RecordBootOptions extends RecordRunOptions {
  readonly writer?: Omit<TraceWriterOptions, 'icount'>;
}

/** Boot `setup` on a fresh machine and record it from the first instruction into a new trace at `dir`. */
export async function recordBoot(dir: string, setup: RunSetup, options: RecordBootOptions = {}): Promise<RecordingSummary> {
  const machine = bootMachine(setup);
  return recordTrace(dir, machine, {
    ...options,
    header: traceHeaderFor(setup, machine),
    firstPages: machine.loadedPages(),
  });
}
