/**
 * Test fixtures for the migration engine. Tests may use the oracle (DESIGN.md): `oracleDevices`
 * stands in for the hypervisor's capture and reconstruction where a test is about memory, CPU,
 * the stream or the link rather than device drivers, and `machineState` reads a machine whole
 * for comparisons.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { resolveImage } from '../../src/guests/catalog.js';
import type { CaptureResult, CapturedDevice } from '../../src/hypervisor/api.js';
import { Machine } from '../../src/board/machine.js';
import type { DeviceCapture, DeviceReconstruction } from '../../src/migration/devices.js';
import type { DestinationSide } from '../../src/migration/destination.js';
import type { PbMachine } from '../../src/migration/stream.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

export function tempDir(tag = 'migration'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `migtrace-test-${tag}-`));
  made.push(d);
  return d;
}

export const MiB = 1024 * 1024;

export function bootGuest(guest: string, args: string | undefined, memory = 16 * MiB): Machine {
  const image = resolveImage(guest);
  return Machine.boot(image.bytes, { args: args ?? image.guest?.args, memory });
}

/** Capture through the oracle (tests only): every device's declared state, as read ('input' is the outside world: not captured). */
export function oracleCapture(machine: Machine, log: string[] = []): DeviceCapture {
  return {
    captureDevices(): CaptureResult {
      log.push(`capture at ${machine.clock.icount}`);
      const devices: CapturedDevice[] = machine.devices.filter((d) => d.name !== 'input').map((d) => ({
        device: d.name,
        schemaVersion: d.schema.version,
        fields: d.snapshot(),
        provenance: {},
        unknown: [],
      }));
      return { switchIcount: machine.clock.icount, devices, pausedInstructions: 0 };
    },
    restoreSource(): void {
      log.push(`restore at ${machine.clock.icount}`);
    },
  };
}

/** Reconstruction through the oracle (tests only): restore() each captured device at the switch-over icount. */
export const oracleReconstruction: DeviceReconstruction = {
  reconstruct(machine, capture) {
    machine.clock.icount = capture.switchIcount;
    for (const c of capture.devices) machine.devices.find((d) => d.name === c.device)!.restore(c.fields);
    machine.interrupts.update();
    return { budget: 0, aheadInstructions: 0, residualInstructions: 0, switchAccesses: 0, dummyFrames: 0, notes: [] };
  },
};

/** A destination that builds a fresh machine (of `memory` bytes, default: the source's). */
export function freshDestination(memory?: number, made?: (m: Machine) => void): DestinationSide {
  return {
    createMachine(source: PbMachine) {
      const m = new Machine({ memory: memory ?? source.memoryBytes, instructionsPerSecond: source.instructionsPerSecond });
      made?.(m);
      return m;
    },
    devices: oracleReconstruction,
  };
}

/** Everything a migration must carry, through the oracle: for equality checks. */
export function machineState(machine: Machine) {
  return {
    icount: machine.clock.icount,
    cpu: machine.cpu.getState(),
    a20: machine.memory.a20Enabled,
    devices: machine.devices.map((d) => ({ name: d.name, state: d.snapshot() })),
  };
}

/** First RAM page where two machines differ over the first `pages` pages, or -1. */
export function firstDifferentPage(a: Machine, b: Machine, pages = Math.min(a.memory.ramPages, b.memory.ramPages)): number {
  const x = Buffer.from(a.memory.ram.buffer, a.memory.ram.byteOffset, pages * 4096);
  const y = Buffer.from(b.memory.ram.buffer, b.memory.ram.byteOffset, pages * 4096);
  if (x.equals(y)) return -1;
  for (let p = 0; p < pages; p++) {
    if (x.compare(y, p * 4096, (p + 1) * 4096, p * 4096, (p + 1) * 4096) !== 0) return p;
  }
  return -1;
}

import { recordTrace } from '../../src/trace/session.js';
import { bootMachine, traceHeaderFor, type RunSetup } from '../../src/trace/run-setup.js';
import { loadInputScript } from '../../src/devices/input-script.js';

/** A run setup for a built-in guest (its default input script when it has one in guests/inputs). */
export function guestSetup(guest: string, args?: string, memory = 16 * MiB, input?: string): RunSetup {
  const image = resolveImage(guest);
  return {
    label: guest,
    image: image.bytes,
    args: args ?? image.guest?.args,
    memory,
    input: input === undefined ? undefined : loadInputScript(input),
  };
}

/** Record a reference run of `setup` into a new trace; returns its directory. */
export async function recordReference(setup: RunSetup, until?: number, checkpointInterval = 1_000_000): Promise<string> {
  const dir = path.join(tempDir('reference'), 'trace');
  const machine = bootMachine(setup);
  await recordTrace(dir, machine, { header: traceHeaderFor(setup, machine, 0), until, writer: { checkpointInterval } });
  return dir;
}
