/**
 * Recording the destination: once the guest has resumed on the destination, run it on the
 * remaining recorded inputs to where the recording ended, into a new trace whose first
 * icount is the switch-over. The trace starts with the migration's events (one per pre-copy
 * round, the stop-and-copy, the switch-over) and the hypervisor's reconstruction report;
 * post-copy faults are recorded where they happen.
 *
 * Observation, not migration: the migrated state is loaded before anything here runs. The
 * machine snapshot stored beside the header (MACHINE_SNAPSHOT_BLOB) is what the verifier
 * restores to replay the destination; it is read from the loaded machine the way the trace's
 * checkpoints are (device oracles included), which the migration itself never does.
 *
 * The trace is written to a sibling directory and renamed into place only when it is
 * complete: a destination that fails leaves nothing behind that could pass for a result.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { captureMachineSnapshot, encodeMachineSnapshot, MACHINE_SNAPSHOT_BLOB } from '../trace/machine-snapshot.js';
import { SWITCH_OVER_CAPTURE_BLOB, encodeSwitchOverCapture, type SwitchOverCapture } from '../trace/switch-over-capture.js';
import { traceHeaderFor } from '../trace/run-setup.js';
import { MachineRecorder, type RecordingOutcome } from '../trace/session.js';
import { TraceWriter } from '../trace/writer.js';
import type { MigrationDestination } from './destination.js';
import { setupOf } from './environment.js';
import type { LocalCopies } from './local-copies.js';
import { formatBandwidth } from './link.js';
import { formatDowntime, type MigrationMetrics } from './metrics.js';
import { PAGE_COST_BYTES } from './postcopy-destination.js';

export interface DestinationRecording {
  readonly dir: string;
  readonly outcome: RecordingOutcome;
  /** The migration as the destination saw it (post-copy: with every page in). */
  readonly metrics: MigrationMetrics;
}

export interface RecordDestinationOptions {
  readonly checkpointInterval?: number;
  /** The destination's own copies its machine was built with (the trace header names them). */
  readonly local?: LocalCopies;
  readonly onProgress?: (icount: number) => void;
}

/** Refuse an --out that is there already, before any work is done. */
export function checkOutput(out: string): void {
  if (fs.existsSync(out)) throw new InputError('OUTPUT_EXISTS', `--out ${out} already exists: give a new directory for the destination trace`);
  const parent = path.dirname(path.resolve(out));
  if (!fs.existsSync(parent)) throw new InputError('NO_SUCH_DIRECTORY', `--out ${out}: directory ${parent} does not exist`);
}

function partialDir(out: string): string {
  const abs = path.resolve(out);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.migrating`);
}

/** Run the resumed destination to the recording's end into a trace at `out`. */
export async function recordDestination(
  destination: MigrationDestination,
  out: string,
  options: RecordDestinationOptions = {},
): Promise<DestinationRecording> {
  const machine = destination.machine;
  const env = destination.environment;
  const source = destination.source;
  if (!destination.resumed || machine === null || env === null || source === null) {
    throw new InputError('NOT_RESUMED', 'the destination has not resumed the guest: there is nothing to record');
  }
  checkOutput(out);
  const tmp = partialDir(out);
  fs.rmSync(tmp, { recursive: true, force: true });
  let writer: TraceWriter | null = null;
  try {
    const setup = setupOf(env, source, machine.memory.size, options.local);
    const header = traceHeaderFor(setup, machine, machine.clock.icount);
    // Reads every page: a post-copy destination observes the absent ones (the figures do not change).
    const snapshot = encodeMachineSnapshot(captureMachineSnapshot(machine));
    writer = await TraceWriter.create(
      tmp,
      {
        ...header,
        blobs: [...(header.blobs ?? []), { name: MACHINE_SNAPSHOT_BLOB, data: snapshot }, { name: SWITCH_OVER_CAPTURE_BLOB, data: encodeSwitchOverCapture(carriedRecord(destination)) }],
      },
      { icount: () => machine.clock.icount, checkpointInterval: options.checkpointInterval },
    );
    const w = writer;
    writeMigrationEvents(w, destination);
    const pager = destination.pager;
    if (pager !== null) {
      pager.onFault = (f) =>
        w.event({
          type: 'migration',
          phase: 'postcopy-fault',
          pages: f.pages,
          bytes: f.pages * PAGE_COST_BYTES,
          detail: `page ${f.page}: the guest waited ${f.stallNs} ns`,
        });
    }
    const recorder = new MachineRecorder(machine, w);
    const outcome = await recorder.run({
      until: env.runUntil > 0 ? env.runUntil : undefined,
      onProgress: options.onProgress === undefined ? undefined : (p) => options.onProgress!(p.icount),
    });
    recorder.detach();
    if (pager !== null) pager.onFault = null;
    const metrics = destination.finish();
    if (metrics.postcopy !== null) {
      const p = metrics.postcopy;
      w.event({
        type: 'migration',
        phase: 'postcopy-done',
        pages: p.faultPages + p.pushedPages,
        bytes: p.pageBytes,
        detail: `${p.faults} faults, ${p.pushedPages} pages pushed, guest waited ${p.stallNs} ns; every page in after ${p.totalNs} ns`,
      });
    }
    await w.close({ status: outcome.status, message: outcome.message });
    fs.renameSync(tmp, out);
    return { dir: out, outcome, metrics };
  } catch (err) {
    await writer?.abandon().catch(() => {});
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** What the source captured and sent, as the trace's record of it (src/trace/switch-over-capture.ts). */
function carriedRecord(d: MigrationDestination): SwitchOverCapture {
  const c = d.carried!;
  const a = c.sourceNotes.attach;
  return {
    icount: c.switchOver.switchIcount,
    strategy: d.strategy,
    faults: [...d.source!.faults],
    attach: a === null || !a.late ? { mode: 'boot', icount: 0, agent: a?.agent ?? false } : { mode: 'late', icount: a.icount, agent: a.agent },
    notes: [...c.sourceNotes.notes],
    cpu: c.cpu,
    devices: c.devices.map((x) => ({ device: x.device, schemaVersion: x.schemaVersion, fields: x.fields, provenance: x.provenance, unknown: x.unknown })),
    rounds: (d.metrics?.rounds ?? []).map((r) => ({ round: r.round, startIcount: r.startIcount, endIcount: r.endIcount })),
    pageRounds: c.pageRounds,
  };
}

/** The migration as events at the switch-over: rounds, stop-and-copy, switch-over, reconstruction. */
function writeMigrationEvents(w: TraceWriter, d: MigrationDestination): void {
  const m = d.metrics!;
  for (const r of m.rounds) {
    w.event({
      type: 'migration',
      phase: 'precopy-round',
      round: r.round,
      pages: r.pages,
      bytes: r.bytes,
      detail: `${r.zeroPages} zero pages; ${r.ns} ns on the link while the guest ran ${r.startIcount}→${r.endIcount}`,
    });
  }
  if (m.strategy === 'precopy') {
    w.event({
      type: 'migration',
      phase: 'stop-and-copy',
      round: m.rounds.length + 1,
      pages: m.stopCopyPages,
      bytes: m.stopCopyBytes,
      detail: `${m.stopCopyZeroPages} zero pages; final copy ${m.finalCopyNs} ns${m.forced ? `; max ${m.maxRounds} rounds reached without converging` : ''}`,
    });
  } else {
    w.event({
      type: 'migration',
      phase: 'postcopy-start',
      pages: d.machine!.memory.absentPages,
      bytes: m.stopCopyBytes,
      detail: `CPU and devices first; ${d.machine!.memory.absentPages} pages absent until the guest touches them or the push brings them`,
    });
  }
  w.event({
    type: 'migration',
    phase: 'switch-over',
    round: m.rounds.length,
    pages: m.pages,
    bytes: m.bytes,
    detail:
      `${m.strategy} over ${formatBandwidth(m.link.bandwidthBitsPerSecond)}, latency ${m.link.latencyNanoseconds} ns: ` +
      `${formatDowntime(m)} (${m.downtimeNs} ns)` +
      (d.source!.faults.length > 0 ? `; injected faults: ${d.source!.faults.join(', ')}` : ''),
  });
  for (const note of d.carried?.sourceNotes.notes ?? []) w.event({ type: 'hypervisor', action: 'source-note', detail: note });
  const r = d.reconstruct!;
  w.event({
    type: 'hypervisor',
    action: 'reconstruct',
    detail: `devices reconstructed through their registers in ${r.budget} instructions before the switch-over; ${r.dummyFrames} dummy frames`,
  });
  for (const note of r.notes) w.event({ type: 'hypervisor', action: 'reconstruct-note', detail: note });
}
