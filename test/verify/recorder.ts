/**
 * Test fixtures for the verifier: record a reference run, and fabricate a "migrated"
 * destination without the migrate command: snapshot the reference machine at T, restore it
 * into a fresh machine, perturb one field (or none) through device restore(), and record
 * the rest of the run behind a switch-over event, with the snapshot as the trace's blob.
 *
 * The recording loop is the one src/trace/writer.ts documents; transitions are checked after
 * every access and after every run slice (a stand-in until src/trace/session.ts records them
 * after each device event).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { resolveImage } from '../../src/guests/catalog.js';
import { Machine } from '../../src/machine/machine.js';
import type { BusObserver } from '../../src/machine/bus.js';
import { TraceWriter, describeDevices, sha256 } from '../../src/trace/writer.js';
import { DeviceTransitionTracker } from '../../src/trace/transitions.js';
import {
  captureMachineSnapshot,
  encodeMachineSnapshot,
  restoreMachineSnapshot,
} from '../../src/trace/machine-snapshot.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(tag = 'verify'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `migtrace-test-${tag}-`));
  made.push(d);
  return d;
}

export interface GuestSpec {
  readonly guest: string;
  readonly args?: string;
  readonly memory?: number;
}

export function bootGuest(spec: GuestSpec): Machine {
  const image = resolveImage(spec.guest);
  return Machine.boot(image.bytes, { args: spec.args ?? image.guest?.args, memory: spec.memory });
}

function headerFor(spec: GuestSpec, machine: Machine, firstIcount = 0) {
  const image = resolveImage(spec.guest);
  return {
    machine: {
      memoryBytes: machine.memory.size,
      instructionsPerSecond: machine.clock.hz,
      devices: describeDevices(machine.devices),
    },
    guestImageSha256: sha256(image.bytes),
    guestArgs: spec.args ?? image.guest?.args ?? '',
    toolVersion: 'test',
    firstIcount,
  };
}

export interface RecordOptions {
  readonly until?: number;
  readonly checkpointInterval?: number;
  /** Called with the writer before the first instruction (a switch-over event, say). */
  readonly start?: (writer: TraceWriter) => void;
}

/** Record `machine` from where it is to the end (or `until`) into a new trace at `dir`. */
export async function recordMachine(dir: string, spec: GuestSpec, machine: Machine, options: RecordOptions = {}): Promise<void> {
  const clock = machine.clock;
  const writer = await TraceWriter.create(dir, headerFor(spec, machine, clock.icount), {
    icount: () => clock.icount,
    checkpointInterval: options.checkpointInterval ?? 2_000_000,
  });
  const tracker = new DeviceTransitionTracker(machine.devices, writer);
  const inner = writer.observer;
  const observer: BusObserver = {
    access(space, dir, addr, size, value, device, origin) {
      inner.access(space, dir, addr, size, value, device, origin);
      tracker.check(device);
    },
    dma(dir, device, addr, data, origin) {
      inner.dma(dir, device, addr, data, origin);
    },
  };
  machine.bus.addObserver(observer);
  machine.interrupts.observer = {
    line: (irq, level) => writer.interrupt(level ? 'raise' : 'lower', irq),
    acknowledged: (vector) => writer.interrupt('ack', vector),
  };
  const uart = machine.board.uart.id;
  const nic = machine.board.nic.id;
  machine.taps.push({
    input: (channel, data) => writer.input(channel, channel === 'serial' ? uart : nic, data),
    output: (channel, data) => writer.output(channel, channel === 'serial' ? uart : nic, data),
  });
  options.start?.(writer);
  const until = options.until ?? 2_000_000_000;
  let status = 'limit';
  let committing: Promise<void> = Promise.resolve();
  for (;;) {
    const target = Math.min(writer.nextCheckpointAt, until);
    const r = machine.run({ maxInstructions: target });
    tracker.checkAll();
    if (clock.icount >= writer.nextCheckpointAt) {
      writer.checkpoint({ cpu: machine.cpu.getState(), devices: machine.devices, memory: machine.memory });
    }
    if (writer.flushDue) {
      await committing;
      committing = writer.flush();
    }
    if (r.status !== 'limit' || clock.icount >= until) {
      status = r.status;
      break;
    }
  }
  await committing;
  // A final checkpoint, so the end state is compared too.
  if (writer.nextCheckpointAt !== clock.icount) {
    writer.checkpoint({ cpu: machine.cpu.getState(), devices: machine.devices, memory: machine.memory });
  }
  await writer.close({ status });
}

export async function recordReference(dir: string, spec: GuestSpec, options: RecordOptions = {}): Promise<void> {
  await recordMachine(dir, spec, bootGuest(spec), options);
}

export interface Fabricated {
  /** The destination's machine snapshot at T (what the migrate command stores). */
  readonly snapshot: Uint8Array;
}

/**
 * A destination as a migration would leave it: the reference machine at `at`, moved into a
 * fresh machine, `perturb` applied there (a migration bug), then run on to the end.
 */
export async function fabricateDestination(
  dir: string,
  spec: GuestSpec,
  at: number,
  perturb: (machine: Machine) => void = () => {},
  options: RecordOptions & { blob?: boolean } = {},
): Promise<Fabricated> {
  const source = bootGuest(spec);
  source.run({ maxInstructions: at });
  const destination = bootGuest(spec);
  restoreMachineSnapshot(destination, captureMachineSnapshot(source));
  perturb(destination);
  const snapshot = encodeMachineSnapshot(captureMachineSnapshot(destination));
  await recordMachine(dir, spec, destination, {
    ...options,
    start: (w) => {
      w.event({ type: 'migration', phase: 'switch-over', detail: 'fabricated by the verifier tests' });
      const blobs = w as unknown as { putBlob?(name: string, bytes: Uint8Array): void };
      if (options.blob !== false) blobs.putBlob?.('machine-snapshot@switch-over', snapshot);
      options.start?.(w);
    },
  });
  return { snapshot };
}

/** Change one field of one device through its restore() (a migration that carried it wrong). */
export function setField(machine: Machine, device: string, field: string, value: number, index?: number): void {
  const d = machine.devices.find((x) => x.name === device);
  if (d === undefined) throw new Error(`no device ${device}`);
  const snap = d.snapshot();
  if (index === undefined) snap[field] = value;
  else (snap[field] as number[])[index] = value;
  d.restore(snap);
}
