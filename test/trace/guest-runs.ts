/**
 * Fixtures for the recording and replay tests: every built-in guest with arguments (and an
 * input script) that keep its run short, and helpers to record them and tamper with traces.
 */
import { CPU_SCHEMA } from '../../src/machine/cpu/state.js';
import { decodeState, encodeState, type StateSnapshot } from '../../src/machine/state-schema.js';
import path from 'node:path';
import { Level } from 'level';
import { listGuests, packageRoot, resolveImage } from '../../src/guests/catalog.js';
import { loadInputScript } from '../../src/devices/input-script.js';
import { KEY_CHECKPOINT, KEY_CHUNK, headerKey, prefixRange } from '../../src/trace/format.js';
import { ChunkEncoder, decodeChunk } from '../../src/trace/packed.js';
import { decode, encode, pb, type PbCheckpoint, type PbChunk, type PbTraceHeader } from '../../src/trace/proto.js';
import { INTERRUPT_ACTIONS, type TraceRecord } from '../../src/trace/records.js';
import type { RunSetup } from '../../src/trace/run-setup.js';

/** Short runs of every guest: arguments, input script, and an icount to stop at where the guest runs long. */
export const SHORT_RUNS: Record<string, { args?: string; input?: string; until?: number }> = {
  apic: { args: 'n=5 count=2000 pit=3' },
  'cpu-selftest': { until: 3_000_000 },
  coremark: { args: 'iterations=2' },
  disk: { args: 'count=4' },
  hello: {},
  memtouch: { args: 'mb=1 passes=1' },
  'net-echo': { input: 'guests/inputs/net-echo.input', until: 4_000_000 },
  rtc: { args: 'n=8' },
  'serial-echo': { input: 'guests/inputs/serial-echo.input', until: 8_000_000 },
  timer: { args: 'ticks=20' },
};

export function guestNames(): string[] {
  return listGuests().map((g) => g.name);
}

/** The setup for a guest's short run (unknown guests: the image as built, stopped at 2 M instructions). */
export function shortRun(name: string): { setup: RunSetup; until?: number } {
  const image = resolveImage(name);
  const run = SHORT_RUNS[name] ?? { until: 2_000_000 };
  return {
    setup: {
      label: name,
      image: image.bytes,
      args: run.args ?? image.guest?.args,
      input: run.input === undefined ? undefined : loadInputScript(path.join(packageRoot(), run.input)),
    },
    until: run.until,
  };
}

function open(dir: string): Level<Uint8Array, Uint8Array> {
  return new Level<Uint8Array, Uint8Array>(dir, { keyEncoding: 'view', valueEncoding: 'view' });
}

/** Packed bytes of a chunk's records, re-encoded with the writer's own encoder (DMA cannot be: only its hash is kept). */
function encodeRecords(chunk: PbChunk, records: readonly TraceRecord[]): Uint8Array {
  let icount = chunk.firstIcount;
  const enc = new ChunkEncoder(() => icount, 1 << 20, 1 << 24, chunk.firstIcount, () => {});
  enc.reset(chunk.firstSeq);
  for (const r of records) {
    icount = r.icount;
    switch (r.kind) {
      case 'pio':
      case 'mmio':
        enc.access(r.kind === 'pio' ? 0 : 1, r.dir, r.addr, r.size, r.value, r.device, r.origin);
        break;
      case 'transition':
        enc.transition(r.icount, r.device, r.field, r.index, r.oldValue, r.newValue);
        break;
      case 'interrupt':
        enc.interrupt(r.icount, INTERRUPT_ACTIONS.indexOf(r.action), r.value);
        break;
      case 'input':
      case 'output':
        enc.data(r.icount, r.kind === 'output', r.channel === 'frame', r.device, r.data);
        break;
      case 'checkpoint':
        enc.checkpoint(r.icount, r.ordinal);
        break;
      case 'hypervisor':
        enc.event(r.icount, { type: 'hypervisor', action: r.action, device: r.device, detail: r.detail });
        break;
      case 'migration':
        enc.event(r.icount, { type: 'migration', phase: r.phase, round: r.round, pages: r.pages, bytes: r.bytes, detail: r.detail });
        break;
      case 'dma':
        throw new Error('tamperRecord: cannot re-encode a chunk with DMA records');
    }
  }
  return enc.encodeChunk();
}

/**
 * Change the first record `pick` selects, in place in the trace's LevelDB (no migtrace API
 * writes into a finished trace). Returns the record before and after.
 */
export async function tamperRecord(
  dir: string,
  pick: (r: TraceRecord) => boolean,
  change: (r: TraceRecord) => TraceRecord,
): Promise<{ before: TraceRecord; after: TraceRecord }> {
  const db = open(dir);
  try {
    const header = decode<PbTraceHeader>(pb.TraceHeader, (await db.get(headerKey()))!);
    const fields = new Map((header.machine?.devices ?? []).map((d) => [d.id, d.fields]));
    for await (const [key, value] of db.iterator(prefixRange(KEY_CHUNK))) {
      const chunk = decode<PbChunk>(pb.Chunk, value);
      const records: TraceRecord[] = [];
      decodeChunk(chunk, fields, (r) => {
        records.push(r);
      });
      const i = records.findIndex(pick);
      if (i < 0) continue;
      if (Buffer.compare(encodeRecords(chunk, records), value) !== 0) throw new Error('tamperRecord: re-encoding does not reproduce the chunk');
      const before = records[i];
      const after = change(before);
      records[i] = after;
      await db.put(key, encodeRecords(chunk, records));
      return { before, after };
    }
    throw new Error('tamperRecord: no record matches');
  } finally {
    await db.close();
  }
}

/** Change the CPU state stored in the checkpoint with this ordinal (fields as the CPU schema names them). */
export async function tamperCheckpoint(dir: string, ordinal: number, change: (cpu: StateSnapshot) => void): Promise<void> {
  const db = open(dir);
  try {
    for await (const [key, value] of db.iterator(prefixRange(KEY_CHECKPOINT))) {
      const cp = decode<PbCheckpoint>(pb.Checkpoint, value);
      if (cp.ordinal !== ordinal) continue;
      const cpu = decodeState(CPU_SCHEMA, cp.cpu, 'test');
      change(cpu);
      await db.put(key, encode(pb.Checkpoint, { ...cp, cpu: encodeState(CPU_SCHEMA, cpu) }));
      return;
    }
    throw new Error(`tamperCheckpoint: no checkpoint #${ordinal}`);
  } finally {
    await db.close();
  }
}
