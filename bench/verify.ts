/**
 * Issue 6 figures: verify speed ÷ record speed on the same run, and bisection cost ÷ one
 * replay.
 *
 * - record: a guest recorded from boot to its end (the recording session, as `record` does);
 * - a destination migrated off the checkpoint grid at mid-run (snapshot, restore into a fresh
 *   machine, record the rest behind a switch-over event: the trace shape `migrate` writes);
 * - verify: the whole verification of that pair (switch-over, every record, every
 *   checkpoint, re-executing the reference where it has no checkpoint). Both speeds are the
 *   run's instructions per wall second, so the ratio is record seconds ÷ verify seconds;
 * - bisection: a destination that lost a pending "transmit now" at the switch-over (not
 *   essential by schema, yet the guest diverges): the time to find the first instruction
 *   after which state differs, ÷ the time of one plain replay of the reference.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveImage, packageRoot } from '../src/guests/catalog.js';
import { parseInputScript } from '../src/devices/input-script.js';
import { pathToFileURL } from 'node:url';
import type { Machine } from '../src/board/machine.js';
import { MACHINE_SNAPSHOT_BLOB, captureMachineSnapshot, encodeMachineSnapshot, restoreMachineSnapshot } from '../src/trace/machine-snapshot.js';
import { TraceReader } from '../src/trace/reader.js';
import { bootMachine, traceHeaderFor, type RunSetup } from '../src/trace/run-setup.js';
import { MachineRecorder } from '../src/trace/session.js';
import { TraceWriter } from '../src/trace/writer.js';
import { bisectFirstDifference } from '../verify/bisect.js';
import { deviceSchemas } from '../verify/machine-state.js';
import { openTracePair } from '../verify/trace-pair.js';
import { verifyTraces } from '../verify/verify.js';
import { timed, timedAsync, type Figure } from './harness.js';

async function record(dir: string, setup: RunSetup, machine: Machine, options: { until?: number; start?: (w: TraceWriter) => void; blobs?: { name: string; data: Uint8Array }[] } = {}): Promise<number> {
  const header = traceHeaderFor(setup, machine);
  const writer = await TraceWriter.create(dir, { ...header, blobs: [...(header.blobs ?? []), ...(options.blobs ?? [])] }, { icount: () => machine.clock.icount });
  options.start?.(writer);
  const recorder = new MachineRecorder(machine, writer);
  const outcome = await recorder.run({ until: options.until });
  recorder.detach();
  await writer.close({ status: outcome.status, message: outcome.message });
  return outcome.icount;
}

/** A destination as `migrate` leaves it: the reference machine at `at`, `perturb`ed, recorded on to `until`. */
async function migrated(dir: string, setup: RunSetup, at: number, until: number, perturb: (m: Machine) => void = () => {}): Promise<void> {
  const source = bootMachine(setup);
  source.run({ maxInstructions: at });
  const dst = bootMachine(setup);
  restoreMachineSnapshot(dst, captureMachineSnapshot(source));
  perturb(dst);
  const snapshot = encodeMachineSnapshot(captureMachineSnapshot(dst));
  await record(dir, setup, dst, {
    until,
    blobs: [{ name: MACHINE_SNAPSHOT_BLOB, data: snapshot }],
    start: (w) => w.event({ type: 'migration', phase: 'switch-over', detail: 'bench' }),
  });
}

function setField(m: Machine, device: string, field: string, value: number): void {
  const d = m.devices.find((x) => x.name === device)!;
  const snap = d.snapshot();
  snap[field] = value;
  d.restore(snap);
}

export async function benchVerify(): Promise<Figure[]> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'migtrace-bench-verify-'));
  try {
    // ---- verify ÷ record: the timer guest, ~52 M instructions, ~0.9 M records.
    const timer: RunSetup = { label: 'timer', image: resolveImage('timer').bytes, args: 'hz=1000 every=100 ticks=500 eoi=auto' };
    const ref = path.join(tmp, 'timer-ref');
    const end = await record(ref, timer, bootMachine(timer));
    const at = Math.floor(end / 2) + 12_345; // off the checkpoint grid: the verifier must re-execute
    const dst = path.join(tmp, 'timer-dst');
    await migrated(dst, timer, at, end);
    // Both warmed up (JIT), then measured alternately so that load on this shared machine falls
    // on both alike; the median of three each.
    await verifyTraces(ref, dst);
    await verifyTraces(ref, dst);
    const recordTimes: number[] = [];
    const verifyTimes: number[] = [];
    let ver = await timedAsync(() => verifyTraces(ref, dst));
    for (let i = 0; i < 3; i++) {
      const again = path.join(tmp, `timer-again-${i}`);
      recordTimes.push((await timedAsync(() => record(again, timer, bootMachine(timer)))).seconds);
      fs.rmSync(again, { recursive: true, force: true });
      ver = await timedAsync(() => verifyTraces(ref, dst));
      verifyTimes.push(ver.seconds);
    }
    if (ver.result.verdict !== 'match') throw new Error('bench: the unperturbed destination did not verify');
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const recordSeconds = median(recordTimes);
    const verifySeconds = median(verifyTimes);
    const reader = await TraceReader.open(ref);
    const records = reader.status.recordCount;
    await reader.close();

    // ---- bisection ÷ replay: net-echo echoing 2,000 frames, a "transmit now" lost at the switch-over.
    const url = pathToFileURL(path.join(packageRoot(), 'guests', 'inputs', 'make-net-input.mjs')).href;
    const gen = (await import(url)) as { netEchoScript(o: object): string };
    const net: RunSetup = {
      label: 'net-echo',
      image: resolveImage('net-echo').bytes,
      args: 'frames=2000',
      input: parseInputScript(gen.netEchoScript({ frames: 2000, spacing: 20_000 }), 'bench:net-echo'),
    };
    const netRef = path.join(tmp, 'net-ref');
    const netEnd = await record(netRef, net, bootMachine(net));
    const r = await TraceReader.open(netRef);
    let poll = -1;
    for await (const x of r.records({ kinds: ['mmio'], fromIcount: Math.floor(netEnd / 2) })) {
      if (x.kind === 'mmio' && x.dir === 1 && (x.addr & 0xff) === 0x38) {
        poll = x.icount;
        break;
      }
    }
    await r.close();
    const netDst = path.join(tmp, 'net-dst');
    await migrated(netDst, net, poll + 1, netEnd, (m) => {
      setField(m, 'rtl8169', 'tx_timer', -1);
      setField(m, 'rtl8169', 'tx_poll', 0);
    });
    const replay = timed(() => bootMachine(net).run({ maxInstructions: netEnd }));
    const pair = await openTracePair(netRef, netDst);
    let bis;
    try {
      const schemas = deviceSchemas(bootMachine(net));
      const report = await verifyTraces(netRef, netDst, { bisect: false });
      const limit = report.stream.divergence?.icount ?? netEnd;
      bis = await timedAsync(() => bisectFirstDifference(pair, schemas, [], limit + 1));
    } finally {
      await pair.close();
    }
    const replaySeconds = Math.min(replay.seconds, timed(() => bootMachine(net).run({ maxInstructions: netEnd })).seconds);

    return [
      { name: 'record timer (boot → end)', value: end / recordSeconds / 1e6, unit: 'M instr/s', note: `(${end} instructions, ${records} records, ${recordSeconds.toFixed(2)} s)` },
      { name: 'verify timer, migrated mid-run', value: end / verifySeconds / 1e6, unit: 'M instr/s', note: `(${verifySeconds.toFixed(2)} s: switch-over, ${ver.result.stream.matched} records, ${ver.result.checkpoints.compared} checkpoints)` },
      { name: 'verify speed ÷ record speed', value: recordSeconds / verifySeconds, unit: '', target: '>= 0.9' },
      { name: 'replay net-echo (boot → end)', value: replaySeconds, unit: 's', note: `(${netEnd} instructions)` },
      {
        name: 'bisection to the first differing instruction',
        value: bis.seconds,
        unit: 's',
        note: `(icount ${bis.result.icount}, switch-over ${poll + 1}; ${bis.result.steps} steps, ${bis.result.instructionsRun} instructions re-executed)`,
      },
      { name: 'bisection cost ÷ one replay', value: bis.seconds / replaySeconds, unit: '', target: '<= 2' },
    ];
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
