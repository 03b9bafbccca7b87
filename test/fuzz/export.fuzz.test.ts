/**
 * Fuzz: portable export files. Mutated files (raw; re-sealed with a correct length and sha256
 * so the frames are parsed; or one frame's message mutated and re-framed) must import or be
 * refused with one line, and whatever imports must read back without a raw error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTrace, importTrace } from '../../src/trace/export.js';
import { decode, encode, pb, type PbExportFrame } from '../../src/trace/proto.js';
import { TraceReader } from '../../src/trace/reader.js';
import { recordSample, tempDir } from '../trace/helpers.js';
import { expectClean, int, mutate, prng, type Rnd } from './mutate.js';
import { PREAMBLE, TRAILER, exportFrames, joinFrames, sealExport } from './export-frames.js';

const CASES = 360;
/** Mutate the message inside one frame (its chunk, checkpoint, header... bytes), re-frame, re-seal. */
function mutateInner(file: Uint8Array, rnd: Rnd): { bytes: Uint8Array; how: string } {
  const fs_ = exportFrames(file);
  const i = int(rnd, fs_.length);
  const f = decode<PbExportFrame>(pb.ExportFrame, fs_[i]);
  const item = f.item as keyof PbExportFrame;
  const inner = f[item] as unknown;
  let how: string;
  if (inner instanceof Uint8Array) {
    const m = mutate(inner, rnd);
    (f as unknown as Record<string, unknown>)[item] = m.bytes;
    how = `frame ${i} (${item}): ${m.how}`;
  } else {
    const m = mutate(fs_[i], rnd);
    fs_[i] = m.bytes;
    return { bytes: sealExport(joinFrames(file.subarray(0, PREAMBLE), fs_)), how: `frame ${i} bytes: ${m.how}` };
  }
  fs_[i] = encode(pb.ExportFrame, f);
  return { bytes: sealExport(joinFrames(file.subarray(0, PREAMBLE), fs_)), how };
}

describe('fuzz: export files', () => {
  let base: string;
  let good: Uint8Array;

  beforeAll(async () => {
    base = tempDir('fuzz-export');
    const trace = path.join(base, 'trace');
    await recordSample(trace, { steps: 400, writer: { chunkRecords: 64 } });
    await exportTrace(trace, path.join(base, 'good.mtx'));
    good = fs.readFileSync(path.join(base, 'good.mtx'));
  });

  it(`${CASES} mutated export files: each imports and reads back, or is refused in one line`, async () => {
    const rnd = prng(0x14e0);
    const outcomes = new Map<string, number>();
    const started = Date.now();
    for (let n = 0; n < CASES; n++) {
      const mode = n % 3;
      const m =
        mode === 0
          ? mutate(good, rnd)
          : mode === 1
            ? (() => {
                const r = mutate(good.subarray(0, good.length - TRAILER), rnd, PREAMBLE);
                return { bytes: sealExport(r.bytes), how: `re-sealed: ${r.how}` };
              })()
            : mutateInner(good, rnd);
      const context = `case ${n} (${m.how})`;
      const file = path.join(base, `case.mtx`);
      const dir = path.join(base, `imported-${n}`);
      fs.writeFileSync(file, m.bytes);
      let outcome = 'imported';
      try {
        await importTrace(file, dir);
        const reader = await TraceReader.open(dir);
        try {
          let count = 0;
          for await (const _ of reader.records()) count++;
          for await (const _ of reader.records({ fromIcount: 50_000, kinds: ['pio', 'transition'] })) count++;
          let last = null;
          for await (const cp of reader.checkpoints()) last = cp;
          if (last !== null) await reader.pageHashesAt(last);
          expect(count, context).toBeGreaterThanOrEqual(0);
        } finally {
          await reader.close();
        }
      } catch (err) {
        outcome = expectClean(err, context).code;
        if (err instanceof Error && /^(EXPORT_|NOT_AN_EXPORT)/.test(outcome)) expect(fs.existsSync(dir) && fs.readdirSync(dir).length > 0, `${context}: a refused import left ${dir}`).toBe(false);
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    console.log(`export fuzz: ${CASES} cases in ${Date.now() - started} ms:`, Object.fromEntries(outcomes));
    expect(outcomes.get('imported') ?? 0).toBeGreaterThan(0);
  });
});
