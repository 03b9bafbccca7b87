/**
 * A fresh machine identical to the one a trace was recorded on, booted the way the recording
 * booted it — the trace's run setup (guest image and input script blobs, arguments, RAM,
 * clock rate, RTC start, disk), read the way `replay` reads it (src/trace/run-setup.ts).
 *
 * The verifier re-executes the reference from here (determinism: the same machine and inputs
 * give the same run) to learn its state at icounts the trace has no checkpoint for, and
 * builds destination machines to restore a switch-over snapshot into.
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../src/errors.js';
import { listGuests } from '../src/guests/catalog.js';
import type { Machine } from '../src/board/machine.js';
import type { TraceHeaderInfo, TraceReader } from '../src/trace/reader.js';
import { bootMachine, runSetupFromTrace, type RunSetup } from '../src/trace/run-setup.js';
import { sha256 } from '../src/trace/writer.js';

/** Builds identical fresh machines for one trace. */
export interface MachineFactory {
  /** A fresh machine at icount 0, booted as the recording was. */
  build(): Machine;
  /** What the trace calls its guest (for messages). */
  readonly label: string;
  /** RAM pages the boot image occupies: the only non-zero memory of a fresh machine. */
  readonly bootPages: readonly number[];
}

function findGuestImage(header: TraceHeaderInfo): { bytes: Uint8Array; label: string } | null {
  for (const g of listGuests()) {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(readFileSync(g.image));
    } catch {
      continue;
    }
    if (sha256(bytes) === header.guestImageSha256) return { bytes, label: g.name };
  }
  return null;
}

/**
 * How to rebuild the machine of trace `reader`: the trace's own run setup (src/trace/run-setup.ts,
 * as `replay` uses it), or for a trace without one, the built-in guest with the header's image
 * hash. Refuses, one line each, what it cannot rebuild.
 */
export async function machineFactoryFor(reader: TraceReader, what = `trace ${reader.dir}`): Promise<MachineFactory> {
  const h = reader.header;
  let setup: RunSetup;
  if (h.run !== null) {
    try {
      setup = await runSetupFromTrace(reader.dir, h, reader);
    } catch (err) {
      if (err instanceof InputError) throw new InputError(err.code, `${what} cannot be re-run: ${err.message}`);
      throw err;
    }
  } else {
    const image = findGuestImage(h);
    if (image === null) {
      throw new InputError(
        'GUEST_IMAGE_UNKNOWN',
        `${what} cannot be re-run: it carries no run configuration and no built-in guest has image sha256 ${h.guestImageSha256.slice(0, 16)}…`,
      );
    }
    if (h.inputScriptSha256 !== null) throw new InputError('INPUT_SCRIPT_MISSING', `${what} cannot be re-run: it names an input script it does not carry`);
    setup = {
      label: image.label,
      image: image.bytes,
      args: h.guestArgs === '' ? undefined : h.guestArgs,
      memory: h.machine.memoryBytes,
      instructionsPerSecond: h.machine.instructionsPerSecond,
    };
  }
  // What the boot loaded (any mode: a disk image at 0x7C00, a kernel and its zero page, a ROM).
  let spare: Machine | null = bootMachine(setup);
  const bootPages = Array.from(spare.loadedPages());
  return {
    label: setup.label,
    bootPages,
    // The machine booted to learn its pages is as fresh as any: the first build takes it.
    build: () => {
      const m = spare ?? bootMachine(setup);
      spare = null;
      return m;
    },
  };
}
