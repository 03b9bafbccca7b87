/**
 * Fuzz: the migration stream (src/migration/stream.ts). Mutated streams — raw (the sections'
 * CRC32 catches most), and with one section's payload mutated and re-framed with a correct
 * CRC, so the protobuf decode and the section converters see it — must split and decode or
 * be refused in one line.
 */
import { describe, expect, it } from 'vitest';
import { captureFromPb, cpuFromPb, cpuToPb } from '../../src/migration/sections.js';
import { captureToPb } from '../../src/migration/sections.js';
import {
  SECTION,
  StreamWriter,
  decodeSection,
  frameSection,
  readAllSections,
  streamHeader,
  type PbCpu,
  type PbDeviceCapture,
  type RawSection,
} from '../../src/migration/stream.js';
import { bootGuest } from '../migration/helpers.js';
import { expectClean, int, mutate, prng } from './mutate.js';

const CASES = 1200;

function writeAll(sections: [number, object][]): Uint8Array {
  const parts: Uint8Array[] = [];
  const w = new StreamWriter((b) => parts.push(b));
  for (const [k, body] of sections) w.write(k as 1, body);
  return new Uint8Array(Buffer.concat(parts));
}

/** Decode every section by its own kind, and convert what has a converter. */
function decodeAll(sections: RawSection[]): void {
  for (const s of sections) {
    const body = decodeSection<object>(s, s.kind as 1);
    if (s.kind === SECTION.CPU) cpuFromPb(body as PbCpu);
    if (s.kind === SECTION.DEVICE) captureFromPb(body as PbDeviceCapture);
  }
}

describe('fuzz: migration stream sections', () => {
  it(`${CASES} mutated streams: each decodes or is refused in one line`, () => {
    const m = bootGuest('hello', undefined);
    const good = writeAll([
      [SECTION.CPU, cpuToPb(m.cpu.getState())],
      [
        SECTION.DEVICE,
        captureToPb({
          device: 'pic.master',
          schemaVersion: 1,
          fields: { imr: 0xfb, irr: [1, 2, 3], icw4: 0 },
          provenance: { imr: 'read', irr: 'inferred', icw4: 'shadow' },
          unknown: ['ocw3'],
        }),
      ],
      [SECTION.PAGES, { phase: 1, round: 1, pages: [0, 1, 7], data: new Uint8Array(3 * 4096).fill(0x5a) }],
      [SECTION.PAGE_REQUEST, { id: 3, reason: 1, pages: [4, 5], icount: 1000 }],
      [SECTION.SOURCE_NOTES, { attach: { late: true, icount: 5, agent: false }, notes: ['a note'] }],
      [SECTION.END, { sections: 5, bytes: 100, rounds: [] }],
    ]);
    const sections = readAllSections(good);
    const rnd = prng(0x57e4);
    const outcomes = new Map<string, number>();
    const started = Date.now();
    for (let n = 0; n < CASES; n++) {
      let bytes: Uint8Array;
      let how: string;
      if (n % 4 === 0) {
        const r = mutate(good, rnd);
        bytes = r.bytes;
        how = `raw: ${r.how}`;
      } else {
        const i = int(rnd, sections.length);
        const payload = sections[i].payload;
        const r = mutate(payload, rnd);
        const parts = sections.map((s, k) => frameSection(s.kind as 1, k === i ? r.bytes : s.payload));
        bytes = new Uint8Array(Buffer.concat([streamHeader(), ...parts]));
        how = `section ${i} payload: ${r.how}`;
      }
      let outcome = 'decoded';
      try {
        decodeAll(readAllSections(bytes));
      } catch (err) {
        outcome = expectClean(err, `case ${n} (${how})`).code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    console.log(`stream fuzz: ${CASES} cases in ${Date.now() - started} ms:`, Object.fromEntries(outcomes));
    expect(outcomes.get('decoded') ?? 0).toBeGreaterThan(0);
  });
});
