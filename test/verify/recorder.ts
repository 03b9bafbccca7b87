/**
 * Test fixtures for the verifier: record a reference run, and fabricate a "migrated"
 * destination without the migrate command: snapshot the reference machine at T, restore it
 * into a fresh machine, perturb one field (or none) through device restore(), and record
 * the rest of the run behind a switch-over event, with the snapshot as the trace's blob.
 *
 * Recording is src/trace/session.ts's MachineRecorder: every access, transition (after each
 * access and device event), interrupt, input and output, checkpoints, and a last checkpoint
 * where the run stops.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { resolveImage } from '../../src/guests/catalog.js';
import { Machine } from '../../src/board/machine.js';
import { TraceWriter, describeDevices, sha256, type TraceHeaderInit } from '../../src/trace/writer.js';
import { BLOB_GUEST_IMAGE, BLOB_INPUT_SCRIPT } from '../../src/trace/format.js';
import { loadInputScript, type InputScript } from '../../src/devices/input-script.js';
import { DEFAULT_RTC_START } from '../../src/devices/rtc-cmos.js';
import { encodeInputScript } from '../../src/trace/run-setup.js';
import { MachineRecorder, type RecordingOutcome } from '../../src/trace/session.js';
import {
  MACHINE_SNAPSHOT_BLOB,
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
  /** Path of an input script (serial bytes, frames at icounts), as `run --input` takes. */
  readonly input?: string;
}

const scripts = new Map<string, InputScript>();
function inputScript(spec: GuestSpec): InputScript | undefined {
  if (spec.input === undefined) return undefined;
  let s = scripts.get(spec.input);
  if (s === undefined) scripts.set(spec.input, (s = loadInputScript(spec.input)));
  return s;
}

export function bootGuest(spec: GuestSpec): Machine {
  const image = resolveImage(spec.guest);
  return Machine.boot(image.bytes, { args: spec.args ?? image.guest?.args, memory: spec.memory, input: inputScript(spec) });
}

/** A format 1.1 header: run configuration and blobs (guest image, canonical input script), so the verifier can re-run it. */
function headerFor(spec: GuestSpec, machine: Machine, firstIcount = 0, blobs: { name: string; data: Uint8Array }[] = []): TraceHeaderInit {
  const image = resolveImage(spec.guest);
  const args = spec.args ?? image.guest?.args;
  const script = inputScript(spec);
  return {
    machine: {
      memoryBytes: machine.memory.size,
      instructionsPerSecond: machine.clock.hz,
      devices: describeDevices(machine.devices),
    },
    guestImageSha256: sha256(image.bytes),
    guestArgs: args ?? '',
    inputScriptSha256: script?.hash,
    toolVersion: 'test',
    firstIcount,
    run: {
      guestArgsSet: args !== undefined,
      rtcStart: DEFAULT_RTC_START,
      disk: { kind: 'boot-image', sectors: machine.board.disk.backing.sectors },
      inputEvents: script?.events.length ?? 0,
      guestLabel: spec.guest,
    },
    blobs: [
      { name: BLOB_GUEST_IMAGE, data: image.bytes },
      ...(script === undefined ? [] : [{ name: BLOB_INPUT_SCRIPT, data: encodeInputScript(script.events) }]),
      ...blobs,
    ],
  };
}

export interface RecordOptions {
  readonly until?: number;
  readonly checkpointInterval?: number;
  /** Called with the writer before the first instruction (a switch-over event, say). */
  readonly start?: (writer: TraceWriter) => void;
  /** Extra blobs for the header (the destination's machine snapshot). */
  readonly blobs?: { name: string; data: Uint8Array }[];
  /**
   * Change the machine once, when the run reaches `icount` (a bug that strikes after the
   * switch-over: a page served wrong, a hypervisor write). Re-running the trace's switch-over
   * snapshot does not reproduce it.
   */
  readonly perturbAt?: { readonly icount: number; readonly perturb: (machine: Machine, writer: TraceWriter) => void };
}

/** Record `machine` from where it is to the end (or `until`) into a new trace at `dir`. */
export async function recordMachine(dir: string, spec: GuestSpec, machine: Machine, options: RecordOptions = {}): Promise<void> {
  const clock = machine.clock;
  const writer = await TraceWriter.create(dir, headerFor(spec, machine, clock.icount, options.blobs), {
    icount: () => clock.icount,
    checkpointInterval: options.checkpointInterval ?? 2_000_000,
  });
  const recorder = new MachineRecorder(machine, writer);
  recorder.attach();
  options.start?.(writer);
  const until = options.until ?? 2_000_000_000;
  const late = options.perturbAt;
  let outcome: RecordingOutcome | undefined;
  if (late !== undefined && late.icount < until) {
    outcome = await recorder.run({ until: late.icount, finalCheckpoint: false });
    if (outcome.status === 'limit') {
      late.perturb(machine, writer);
      recorder.checkDevices(); // what the perturbation changed, as transitions at this icount
      outcome = undefined;
    }
  }
  outcome ??= await recorder.run({ until });
  recorder.detach();
  await writer.close({ status: outcome.status });
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
  options: RecordOptions & { blob?: boolean; migrationEvent?: boolean } = {},
): Promise<Fabricated> {
  const source = bootGuest(spec);
  source.run({ maxInstructions: at });
  const destination = bootGuest(spec);
  restoreMachineSnapshot(destination, captureMachineSnapshot(source));
  perturb(destination);
  const snapshot = encodeMachineSnapshot(captureMachineSnapshot(destination));
  await recordMachine(dir, spec, destination, {
    ...options,
    blobs: [...(options.blob === false ? [] : [{ name: MACHINE_SNAPSHOT_BLOB, data: snapshot }]), ...(options.blobs ?? [])],
    start: (w) => {
      if (options.migrationEvent !== false) w.event({ type: 'migration', phase: 'switch-over', detail: 'fabricated by the verifier tests' });
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
