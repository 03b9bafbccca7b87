/** Shared fixtures for the trace tests: temp dirs, headers, a stand-in memory, a sample recording. */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { TraceWriter, type TraceWriterOptions } from '../../src/trace/writer.js';
import { DEV_NIC, DEV_PIC, DEV_UART, FakeMemory, TestClock, fakeCpu, fakeDevices, prng, sampleHeader } from './fixtures/synthetic.js';
import type { TraceEvent } from '../../src/trace/records.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory (removed after the file's tests). */
export function tempDir(tag = 'trace'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `migtrace-test-${tag}-`));
  made.push(d);
  return d;
}

export * from './fixtures/synthetic.js';

export interface SampleOptions {
  readonly writer?: Partial<Omit<TraceWriterOptions, 'icount'>>;
  /** Flush after every n steps (different schedules must not change the trace). */
  readonly flushEvery?: number;
  readonly steps?: number;
  /** false: abandon without an end marker (an incomplete trace). */
  readonly close?: boolean;
}

export const SAMPLE_EVENT: TraceEvent = { type: 'migration', phase: 'precopy-round', round: 2, pages: 300, bytes: 1228800, detail: 'x' };

/**
 * A deterministic recording with every record kind: accesses of both spaces, directions,
 * sizes and origins, DMA, transitions, interrupts, inputs, outputs, events, checkpoints.
 */
export async function recordSample(dir: string, options: SampleOptions = {}): Promise<{ memory: FakeMemory; records: number }> {
  const clock = new TestClock();
  const w = await TraceWriter.create(dir, sampleHeader(), { icount: clock.source, ...options.writer });
  const mem = new FakeMemory(64);
  const rnd = prng(7);
  const steps = options.steps ?? 5000;
  w.checkpoint({ cpu: fakeCpu(0x7c00), devices: fakeDevices(0), memory: mem });
  for (let i = 0; i < steps; i++) {
    clock.icount += 1 + Math.floor(rnd() * 900);
    const r = rnd();
    if (r < 0.4) w.observer.access(0, i & 1, 0x3f8 + (i % 8), 1, (i * 7) & 0xff, DEV_UART, 0);
    else if (r < 0.55) w.observer.access(1, 1, 0xfebf0000 + (i % 64) * 4, 4, (i * 2654435761) >>> 0, DEV_NIC, i % 5 === 0 ? 1 : 0);
    else if (r < 0.6) w.observer.access(0, 0, 0x21, 2, 0xb8b8, DEV_PIC, 0);
    else if (r < 0.65) w.transition(DEV_UART, i % 4, -1, i, i + 1);
    else if (r < 0.68) w.transition(DEV_NIC, 0, i % 6, 0, 0x52);
    else if (r < 0.74) w.interrupt((['raise', 'lower', 'ack', 'deliver'] as const)[i % 4], i % 4 < 2 ? 4 : 0x24);
    else if (r < 0.77) w.observer.dma(i & 1, DEV_NIC, 0x10000 + i, Uint8Array.from({ length: 60 }, (_, k) => (i + k) & 0xff), 0);
    else if (r < 0.8) w.input('serial', DEV_UART, Uint8Array.of(0x61 + (i % 26)));
    else if (r < 0.82) w.input('frame', DEV_NIC, Uint8Array.from({ length: 100 + (i % 50) }, (_, k) => k ^ i));
    else if (r < 0.88) w.output('serial', DEV_UART, 0x30 + (i % 10));
    else if (r < 0.89) w.output('frame', DEV_NIC, Uint8Array.from({ length: 64 }, (_, k) => k));
    else if (r < 0.9) w.event(i % 2 ? SAMPLE_EVENT : { type: 'hypervisor', action: 'shadow-write', device: DEV_PIC, detail: 'icw2' });
    else {
      mem.write((i % 64) * 4096 + (i % 4000), [i & 0xff, 1, 2, 3]);
    }
    if (i % 1000 === 999) w.checkpoint({ cpu: fakeCpu(i, i * 3), devices: fakeDevices(i), memory: mem });
    if (options.flushEvery !== undefined && i % options.flushEvery === 0) await w.flush();
  }
  const records = w.recordCount;
  if (options.close ?? true) await w.close({ status: 'exited', message: 'guest exited with status 0' });
  else await w.abandon();
  return { memory: mem, records };
}

/** name → sha256 of every file in a directory (LOCK and LOG included). */
export function dirHashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (fs.statSync(p).isFile()) out[name] = createHash('sha256').update(fs.readFileSync(p)).digest('hex');
  }
  return out;
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
